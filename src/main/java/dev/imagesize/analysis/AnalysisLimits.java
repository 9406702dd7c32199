package dev.imagesize.analysis;

import java.time.Duration;

/**
 * Bounds on analysing one layer, so a hostile or broken layer is reported instead of exhausting memory, disk or
 * time.
 *
 * @param maxCompressedBytes bytes read from the registry per layer
 * @param maxUncompressedBytes bytes of the uncompressed tar stream per layer
 * @param maxRatio uncompressed / compressed above this (once past {@link #RATIO_FLOOR}) is a decompression bomb
 * @param maxEntries tar entries per layer
 * @param maxPathLength longer entry names are skipped and counted
 * @param maxPathDepth deeper entry names are skipped and counted
 * @param minLayerTime each layer may take at least this long
 * @param minBytesPerSecond and longer when large: compressed bytes / this rate
 * @param zstdWindowLog zstd frames needing a larger window (2^log bytes of memory) are refused
 * @param maxCapturedFileBytes small files read whole (os-release, lockfiles) larger than this are not read
 * @param maxConfigBytes image config blobs larger than this are refused
 * @param maxHeaderBytes one tar header with its PAX records or GNU long name, larger is refused (they are held in
 *     memory while parsed)
 * @param maxLayers images with more layers are refused before any layer is read
 * @param maxImageEntries tar entries per image, summed over its layers: what composition holds in memory (about
 *     220 B per entry in the layer indexes, measured by AnalysisBenchmark, plus the composition's trees)
 */
public record AnalysisLimits(
        long maxCompressedBytes,
        long maxUncompressedBytes,
        long maxRatio,
        int maxEntries,
        int maxPathLength,
        int maxPathDepth,
        Duration minLayerTime,
        long minBytesPerSecond,
        int zstdWindowLog,
        long maxCapturedFileBytes,
        long maxConfigBytes,
        long maxHeaderBytes,
        int maxLayers,
        long maxImageEntries) {

    /** The ratio limit applies only past this many uncompressed bytes: small layers of zeros are harmless. */
    public static final long RATIO_FLOOR = 64L * 1024 * 1024;

    private static final long GIB = 1024L * 1024 * 1024;

    public static AnalysisLimits defaults() {
        return new AnalysisLimits(
                10 * GIB,
                32 * GIB,
                1_000,
                1_000_000,
                4096,
                256,
                Duration.ofMinutes(2),
                5_000_000,
                27,
                4L * 1024 * 1024,
                8L * 1024 * 1024,
                1024L * 1024 + 8192,
                1000,
                2_000_000);
    }

    /** How long a layer of {@code compressedBytes} may take. */
    public Duration layerTime(long compressedBytes) {
        Duration bySize = Duration.ofSeconds(Math.max(0, compressedBytes) / Math.max(1, minBytesPerSecond));
        return bySize.compareTo(minLayerTime) > 0 ? bySize : minLayerTime;
    }

    /** These limits with some changed: {@code limits.toBuilder().maxEntries(100).build()}. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes some limits of a set, the others kept. */
    public static final class Builder {
        private long maxCompressedBytes;
        private long maxUncompressedBytes;
        private long maxRatio;
        private int maxEntries;
        private int zstdWindowLog;
        private long maxImageEntries;
        private final AnalysisLimits from;

        private Builder(AnalysisLimits from) {
            this.from = from;
            maxCompressedBytes = from.maxCompressedBytes;
            maxUncompressedBytes = from.maxUncompressedBytes;
            maxRatio = from.maxRatio;
            maxEntries = from.maxEntries;
            zstdWindowLog = from.zstdWindowLog;
            maxImageEntries = from.maxImageEntries;
        }

        public Builder maxCompressedBytes(long bytes) {
            maxCompressedBytes = bytes;
            return this;
        }

        public Builder maxUncompressedBytes(long bytes) {
            maxUncompressedBytes = bytes;
            return this;
        }

        public Builder maxRatio(long ratio) {
            maxRatio = ratio;
            return this;
        }

        public Builder maxEntries(int entries) {
            maxEntries = entries;
            return this;
        }

        public Builder zstdWindowLog(int log) {
            zstdWindowLog = log;
            return this;
        }

        public Builder maxImageEntries(long entries) {
            maxImageEntries = entries;
            return this;
        }

        public AnalysisLimits build() {
            return new AnalysisLimits(
                    maxCompressedBytes,
                    maxUncompressedBytes,
                    maxRatio,
                    maxEntries,
                    from.maxPathLength,
                    from.maxPathDepth,
                    from.minLayerTime,
                    from.minBytesPerSecond,
                    zstdWindowLog,
                    from.maxCapturedFileBytes,
                    from.maxConfigBytes,
                    from.maxHeaderBytes,
                    from.maxLayers,
                    maxImageEntries);
        }
    }
}
