package dev.imagesize.registry;

/** Told about every registry request: which registry, which call, how it ended, how long it took. */
@FunctionalInterface
public interface RequestListener {
    /**
     * @param registry the registry as in image references
     * @param call {@code ping}, {@code token}, {@code manifest}, {@code manifest-head}, {@code blob} or
     *     {@code blob-stream}
     * @param outcome {@code ok}, or what went wrong ({@code not_found}, {@code unauthorized}, {@code rate_limited},
     *     {@code client_error}, {@code server_error}, {@code timeout}, {@code unreachable}, {@code tls},
     *     {@code blocked}, {@code too_large}, {@code redirect_refused}, {@code overloaded}, {@code error})
     * @param nanos how long it took, waiting for a free request slot included
     */
    void requested(String registry, String call, String outcome, long nanos);

    RequestListener NONE = (registry, call, outcome, nanos) -> {};
}
