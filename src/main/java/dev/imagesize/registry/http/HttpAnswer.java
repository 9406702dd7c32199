package dev.imagesize.registry.http;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;

/**
 * A registry's answer: status, headers and a bounded body.
 *
 * @param status the HTTP status of the last hop
 * @param headers the response headers of the last hop
 * @param body the body read (empty for a streamed answer); for an error status at most
 *     {@link RegistryTransport#ERROR_BODY_LIMIT} bytes
 * @param truncated whether the body was longer than what was read (error bodies only)
 * @param stream the body as a stream, for a successful {@link RegistryTransport#open} answer; null otherwise
 * @param uri the URI that answered (after redirects)
 */
public record HttpAnswer(int status, HttpHeaders headers, byte[] body, boolean truncated, BodyStream stream, URI uri) {

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }

    /** A response body read as it arrives, at most a given number of bytes and until a deadline. */
    public abstract static class BodyStream extends InputStream {
        /** Bytes read so far. */
        public abstract long bytesRead();

        /** The length the server declared, or -1. */
        public abstract long declaredLength();

        /** Frees the connection (closing it when the body was not read to its end); never throws. */
        @Override
        public abstract void close();
    }
}
