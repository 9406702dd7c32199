package dev.imagesize.bench;

import dev.imagesize.Deadline;
import dev.imagesize.analysis.AnalysisLimits;
import dev.imagesize.analysis.LayerAnalyzer;
import dev.imagesize.analysis.LayerIndex;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/** Run by {@link AnalysisBenchmark} in its own small JVM: analyses one layer file and prints the heap it peaked at. */
public final class AnalysisHeapProbe {
    private AnalysisHeapProbe() {}

    public static void main(String... args) throws Exception {
        Path blob = Path.of(args[0]);
        System.gc();
        long baseline = usedHeap();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long start = System.nanoTime();
        LayerIndex index;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(blob), 1 << 16)) {
            index = new LayerAnalyzer(AnalysisLimits.defaults())
                    .analyze(in, null, Deadline.in(Duration.ofMinutes(10)), LayerAnalyzer.Progress.NONE);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.gc();
        long retained = usedHeap() - baseline; // the index is still referenced below
        System.out.printf(
                Locale.ROOT,
                "%.2f GB of tar, %d entries, %.1f s (%.0f MB/s); peak heap %.1f MiB (Σ of the heap pools' peaks, an"
                        + " upper bound); the layer index retains %.0f B per entry%n",
                index.tarBytes() / 1e9,
                index.entries().size(),
                seconds,
                index.tarBytes() / seconds / 1e6,
                peak / 1048576.0,
                (double) retained / Math.max(1, index.entries().size()));
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
