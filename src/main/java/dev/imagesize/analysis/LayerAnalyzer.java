package dev.imagesize.analysis;

import dev.imagesize.Deadline;
import java.io.IOException;
import java.io.InputStream;

/**
 * One streaming pass over a layer blob: decompress, walk the tar headers, hash the uncompressed stream, and check that
 * it is the layer the image config names (its diffID) before the result counts.
 */
public final class LayerAnalyzer {
    private final AnalysisLimits limits;

    public LayerAnalyzer(AnalysisLimits limits) {
        this.limits = limits;
    }

    /**
     * Analyses {@code blob} (compressed or not).
     *
     * @param expectedDiffId the diffID the image config states, or null to accept any
     * @param deadline when to give up
     * @param progress told the number of compressed bytes read so far, now and then
     * @throws LayerProblem when a limit is reached, the stream is broken, or the diffID does not match
     */
    public LayerIndex analyze(InputStream blob, String expectedDiffId, Deadline deadline, Progress progress)
            throws LayerProblem {
        CompressedMeter compressed = new CompressedMeter(blob, limits.maxCompressedBytes(), deadline, progress);
        DiffIdMeter uncompressed = null;
        try {
            LayerDecompressor.Opened opened = LayerDecompressor.open(compressed, limits.zstdWindowLog());
            uncompressed = new DiffIdMeter(opened.tar(), compressed, limits);
            TarScanner scanner = new TarScanner(limits);
            scanner.scan(uncompressed);
            uncompressed.drain();
            compressed.drain();
            String diffId = uncompressed.diffId();
            if (expectedDiffId != null && !expectedDiffId.equals(diffId)) {
                throw new LayerProblem(
                        LayerProblem.Kind.DIFF_ID_MISMATCH,
                        "uncompressed layer hashes to " + diffId + ", but the image config says " + expectedDiffId);
            }
            return new LayerIndex(
                    diffId,
                    opened.compression(),
                    scanner.entries,
                    uncompressed.count(),
                    scanner.diveSize,
                    scanner.fileBytes,
                    scanner.skipped,
                    scanner.paxGlobalHeader,
                    scanner.captured);
        } catch (LayerProblem problem) {
            throw problem;
        } catch (IOException | RuntimeException e) {
            throw new LayerProblem(LayerProblem.Kind.MALFORMED, "layer cannot be read: " + describe(e));
        } finally {
            if (uncompressed != null) {
                uncompressed.close();
            }
            try {
                blob.close();
            } catch (IOException ignored) {
                // the result (or the problem) is already known
            }
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Told how many compressed bytes of a layer have been read. */
    @FunctionalInterface
    public interface Progress {
        void compressedBytesRead(long total);

        Progress NONE = total -> {};
    }
}
