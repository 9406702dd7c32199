package dev.imagesize.bench;

import dev.imagesize.testing.TestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** Latency statistics and the Markdown a benchmark leaves in target/bench/ for BENCHMARKS.md. */
final class BenchReport {
    private final StringBuilder markdown = new StringBuilder();
    private final String name;

    BenchReport(String name, String title) {
        this.name = name;
        markdown.append("## ").append(title).append("\n\n");
    }

    BenchReport line(String text) {
        markdown.append(text).append('\n');
        System.out.println(text);
        return this;
    }

    /** p50/p99/max of latencies in nanoseconds, as milliseconds with three decimals. */
    static String percentiles(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(
                Locale.ROOT,
                "%.3f | %.3f | %.3f",
                ms(at(sorted, 0.50)),
                ms(at(sorted, 0.99)),
                ms(sorted[sorted.length - 1]));
    }

    static long at(long[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    void write() {
        try {
            Path dir = TestCluster.projectDir().resolve("target/bench");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".md"), markdown.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
