package dev.imagesize.analysis;

import dev.imagesize.Deadline;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts the compressed bytes of a layer blob and stops at the byte limit or the layer's deadline. */
final class CompressedMeter extends FilterInputStream {
    private final long limit;
    private final Deadline deadline;
    private final LayerAnalyzer.Progress progress;
    private long count;
    private long reported;

    CompressedMeter(InputStream in, long limit, Deadline deadline, LayerAnalyzer.Progress progress) {
        super(in);
        this.limit = limit;
        this.deadline = deadline;
        this.progress = progress;
    }

    long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (deadline.isExpired()) {
            throw new LayerProblem(
                    LayerProblem.Kind.TOO_SLOW,
                    "gave up after the layer's time limit, at " + count + " compressed bytes");
        }
        int n = super.read(b, off, len);
        if (n > 0) {
            count += n;
            if (count - reported >= 1 << 20) {
                reported = count;
                progress.compressedBytesRead(count);
            }
            if (count > limit) {
                throw new LayerProblem(
                        LayerProblem.Kind.COMPRESSED_TOO_LARGE,
                        "layer blob is over the " + limit + "-byte compressed limit");
            }
        }
        return n;
    }

    /** Reads the rest of the blob (bytes after the compressed stream's end), so the transport can verify it. */
    void drain() throws IOException {
        byte[] buffer = new byte[8192];
        while (read(buffer, 0, buffer.length) >= 0) {
            // counted in read
        }
        progress.compressedBytesRead(count);
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(n, 8192)];
        int read = read(buffer, 0, buffer.length);
        return Math.max(read, 0);
    }
}
