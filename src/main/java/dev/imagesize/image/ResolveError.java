package dev.imagesize.image;

import java.time.Duration;

/**
 * Why an image's size could not be determined, as a value: a kind to act on and one line for a person.
 *
 * @param kind what went wrong
 * @param message one line naming the image or registry and what to do
 * @param retryAfter how long the registry asked us to wait (rate limiting), or null
 */
public record ResolveError(Kind kind, String message, Duration retryAfter) {

    /** The kinds of failure a user can act on differently. */
    public enum Kind {
        /** The repository, tag or digest does not exist. */
        NOT_FOUND,
        /** The registry refused the credentials, or needs some and none were given. */
        UNAUTHORIZED,
        /** The registry answered 429 Too Many Requests. */
        RATE_LIMITED,
        /** No answer within the deadline. */
        TIMEOUT,
        /**
         * The resolver refused the lookup at once because too many lookups of its priority are already waiting (or the
         * request named more distinct images than one request may); asking again later can succeed.
         */
        OVERLOADED,
        /** The registry could not be reached (DNS, connection refused, TLS, a blocked network). */
        UNREACHABLE,
        /** The registry answered with something we do not measure (Docker schema 1, unknown media type). */
        UNSUPPORTED,
        /** The image exists but not for the platform asked for. */
        PLATFORM_MISSING,
        /** The image reference itself is invalid. */
        INVALID_REFERENCE,
        /** The registry's answer cannot be trusted: wrong digest, oversized or malformed manifest. */
        BAD_RESPONSE,
        /** Any other registry error; the message carries what the registry said. */
        REGISTRY_ERROR
    }

    public ResolveError(Kind kind, String message) {
        this(kind, message, null);
    }

    /**
     * Whether the registry may answer differently soon (unreachable, slow, overloaded, rate limiting, server errors),
     * as opposed to an answer about the image itself (not found, unauthorized, unsupported). Only transient failures
     * let the resolver fall back to a tag's last known digest.
     */
    public boolean isTransient() {
        return switch (kind) {
            case TIMEOUT, OVERLOADED, UNREACHABLE, RATE_LIMITED, REGISTRY_ERROR -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
