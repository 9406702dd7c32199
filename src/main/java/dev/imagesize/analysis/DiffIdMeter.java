package dev.imagesize.analysis;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Hashes the uncompressed tar stream (its SHA-256 is the layer's diffID) and stops at the uncompressed limit or when
 * the stream inflates faster than the ratio limit allows.
 */
final class DiffIdMeter extends FilterInputStream {
    private final MessageDigest sha256;
    private final CompressedMeter compressed;
    private final AnalysisLimits limits;
    private long count;

    DiffIdMeter(InputStream in, CompressedMeter compressed, AnalysisLimits limits) {
        super(in);
        this.compressed = compressed;
        this.limits = limits;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    long count() {
        return count;
    }

    String diffId() {
        return "sha256:" + HexFormat.of().formatHex(sha256.digest());
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            sha256.update(b, off, n);
            count += n;
            if (count > limits.maxUncompressedBytes()) {
                throw new LayerProblem(
                        LayerProblem.Kind.UNCOMPRESSED_TOO_LARGE,
                        "layer is over the " + limits.maxUncompressedBytes() + "-byte uncompressed limit");
            }
            if (count > AnalysisLimits.RATIO_FLOOR && count / Math.max(1, compressed.count()) > limits.maxRatio()) {
                throw new LayerProblem(
                        LayerProblem.Kind.RATIO_TOO_HIGH,
                        "layer inflates more than " + limits.maxRatio() + " times (" + count + " bytes from "
                                + compressed.count() + "): a decompression bomb");
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(Math.max(n, 1), 65536)];
        int read = read(buffer, 0, buffer.length);
        return Math.max(read, 0);
    }

    /** Reads what is left (tar padding after the end marker), so the hash covers the whole stream. */
    void drain() throws IOException {
        byte[] buffer = new byte[65536];
        while (read(buffer, 0, buffer.length) >= 0) {
            // hashing and counting happen in read
        }
    }
}
