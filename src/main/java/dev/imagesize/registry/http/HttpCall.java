package dev.imagesize.registry.http;

import dev.imagesize.Deadline;
import java.net.URI;
import java.util.Map;

/**
 * One HTTP request to a registry, or to a host a registry named.
 *
 * @param method {@code GET}, {@code HEAD}, or {@code POST} (a token request with a form body)
 * @param uri where to send it
 * @param headers request headers (Accept, Authorization); never logged
 * @param maxBodyBytes the largest successful (2xx) body read; a larger one fails with
 *     {@link TransportException.Reason#TOO_LARGE}, whether its length is declared or it is chunked. Other bodies are
 *     read to at most {@link RegistryTransport#ERROR_BODY_LIMIT} and the rest is dropped with the connection.
 * @param redirects which redirects are followed
 * @param deadline when the exchange is abandoned and its connection closed, whatever phase it is in
 * @param namedBy the {@code host[:port]} of the registry that named {@code uri} (a token realm), whose address rules
 *     then apply; null when {@code uri} is the registry's own
 * @param form a form body ({@code application/x-www-form-urlencoded}) for a POST, or null
 */
public record HttpCall(
        String method,
        URI uri,
        Map<String, String> headers,
        long maxBodyBytes,
        RedirectPolicy redirects,
        Deadline deadline,
        String namedBy,
        String form) {

    public HttpCall {
        headers = Map.copyOf(headers);
    }

    /** A request without a body. */
    public HttpCall(
            String method,
            URI uri,
            Map<String, String> headers,
            long maxBodyBytes,
            RedirectPolicy redirects,
            Deadline deadline,
            String namedBy) {
        this(method, uri, headers, maxBodyBytes, redirects, deadline, namedBy, null);
    }

    @Override
    public String toString() {
        // the headers may hold credentials
        return method + " " + uri;
    }
}
