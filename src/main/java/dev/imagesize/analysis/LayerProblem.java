package dev.imagesize.analysis;

import java.io.IOException;

/**
 * Why a layer (or an image) could not be analysed (fully), as a kind to act on, one line for a person, and whether
 * trying again later may succeed; thrown while reading.
 */
public final class LayerProblem extends IOException {

    /** The ways a layer analysis ends early. */
    public enum Kind {
        /** More compressed bytes than the limit. */
        COMPRESSED_TOO_LARGE,
        /** More uncompressed bytes than the limit. */
        UNCOMPRESSED_TOO_LARGE,
        /** Uncompressed / compressed over the ratio limit: a decompression bomb. */
        RATIO_TOO_HIGH,
        /** More tar entries than the limit. */
        TOO_MANY_ENTRIES,
        /** Took longer than the layer's time limit. */
        TOO_SLOW,
        /** A zstd frame needs a larger window than allowed. */
        ZSTD_WINDOW_TOO_LARGE,
        /** The stream ended early or is not valid gzip/zstd/tar. */
        MALFORMED,
        /** The uncompressed stream does not hash to the diffID the config states. */
        DIFF_ID_MISMATCH,
        /** The registry did not deliver the blob. */
        FETCH_FAILED,
        /** A layer type that is not a tar (Windows foreign layers, artifacts). */
        UNSUPPORTED
    }

    private final Kind kind;
    private final boolean retryable;

    /** A problem that is retryable when it is about the transport or time ({@code FETCH_FAILED}, {@code TOO_SLOW}). */
    public LayerProblem(Kind kind, String message) {
        this(kind, message, kind == Kind.FETCH_FAILED || kind == Kind.TOO_SLOW);
    }

    /**
     * @param retryable whether the same request may succeed later (a registry that was unreachable or rate limiting),
     *     as opposed to a blob that is missing, forbidden, or over a limit whatever the time
     */
    public LayerProblem(Kind kind, String message, boolean retryable) {
        super(message, null);
        this.kind = kind;
        this.retryable = retryable;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether trying again later may give another outcome. */
    public boolean retryable() {
        return retryable;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a value, not a bug: no stack trace to print or to pay for
    }
}
