package dev.imagesize.registry.http;

import java.io.IOException;

/**
 * Why an HTTP exchange with a registry did not produce a response, in words that are safe to show to whoever named the
 * registry: never a response body, never a header value, never a credential.
 */
public final class TransportException extends IOException {

    /** What went wrong, for the caller to classify. */
    public enum Reason {
        /** The host resolves to a network the operator may not reach (a cloud metadata endpoint, a denied range). */
        BLOCKED,
        /** A redirect that the policy for this kind of request does not follow. */
        REDIRECT_REFUSED,
        /** A response body larger than this kind of request may read. */
        TOO_LARGE,
        /** The request's total deadline passed; the connection was closed. */
        DEADLINE,
        /** No connection: name not resolved, connection refused, no route, connect timeout. */
        CONNECT,
        /** The TLS handshake failed (untrusted certificate, a plain-HTTP server, a protocol mismatch). */
        TLS,
        /** Too many requests already wait for the transport's own threads. */
        OVERLOADED,
        /** Any other I/O failure (the server closed the connection, a malformed response). */
        IO
    }

    private final Reason reason;

    public TransportException(Reason reason, String message) {
        super(message, null);
        this.reason = reason;
    }

    public TransportException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
