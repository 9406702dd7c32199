package dev.imagesize.registry.http;

/** Which redirects a request follows. Every hop is checked by {@link AddressGuard}; none goes from https to http. */
public enum RedirectPolicy {
    /** None: token requests (a token endpoint that redirects is refused, as go-containerregistry does). */
    NONE,
    /** Only to the same scheme, host and port: the API version check and manifests. */
    SAME_HOST,
    /**
     * The same host, or the blob storage the registry names (any https host the address rules allow); the
     * {@code Authorization} header is dropped when the host changes. For blobs.
     */
    BLOB_STORAGE
}
