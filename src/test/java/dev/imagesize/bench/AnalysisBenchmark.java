package dev.imagesize.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.Deadline;
import dev.imagesize.analysis.AnalysisLimits;
import dev.imagesize.analysis.LayerAnalyzer;
import dev.imagesize.analysis.LayerIndex;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestLayers;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Layer analysis throughput against the machine's own decompressors on the same files in the same run: one layer
 * (a tar of the running JDK's directory, gzip -6 and zstd -3 made by the real tools) analysed on one thread versus
 * single-core {@code gzip -dc} and {@code zstd -dc}, best of several alternating runs; two layers at once on two
 * threads; and the peak heap of a JVM limited to 64 MiB analysing a 1 GiB layer.
 */
class AnalysisBenchmark {
    private static final int ROUNDS = 5;

    @Test
    void analysis() throws Exception {
        Path dir = Files.createDirectories(TestCluster.projectDir().resolve("target/bench/analysis"));
        Path tar = dir.resolve("layer.tar");
        Path gz = dir.resolve("layer.tar.gz");
        Path zst = dir.resolve("layer.tar.zst");
        String jdk = System.getProperty("java.home");
        shell("tar -C '" + jdk + "' -cf '" + tar + "' .");
        shell("gzip -6 -c '" + tar + "' > '" + gz + "'");
        requireTool("zstd", "bench/run.sh installs it (apt-get install zstd)");
        shell("zstd -3 -q -f -c '" + tar + "' > '" + zst + "'");
        long tarBytes = Files.size(tar);

        BenchReport report = new BenchReport("analysis", "Layer analysis (`AnalysisBenchmark`)");
        report.line(String.format(
                Locale.ROOT,
                "Layer: tar of the JDK directory (%s), %.1f MB uncompressed, %.1f MB gzip -6, %.1f MB zstd -3; %d cores,"
                        + " load average %s at the start.",
                jdk,
                tarBytes / 1e6,
                Files.size(gz) / 1e6,
                Files.size(zst) / 1e6,
                Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
        report.line("");
        report.line(
                "| format | `gzip -dc` / `zstd -dc` (1 core) | imagesize, one layer (1 thread + SHA-256 on a 2nd) | ratio |"
                        + " CPU per MB: tool | CPU per MB: imagesize parsing thread + hashing thread |");
        report.line("|---|---|---|---|---|---|");
        // zstd first: a JIT profile trained on gzip streams first costs the zstd runs a few percent
        for (Path blob : List.of(zst, gz)) {
            String tool = blob == gz ? "gzip -dc" : "zstd -dc";
            analyse(blob); // warm-up: JIT, native library
            long bestTool = Long.MAX_VALUE;
            long bestOurs = Long.MAX_VALUE;
            long toolCpu = Long.MAX_VALUE;
            long[] ourCpu = null;
            for (int round = 0; round < ROUNDS; round++) {
                long[] cpu = new long[1];
                bestTool = Math.min(
                        bestTool,
                        time(() -> cpu[0] = cpuOfCommand("taskset -c 0 " + tool + " '" + blob + "' > /dev/null")));
                toolCpu = Math.min(toolCpu, cpu[0]);
                long[] threads = new long[2];
                bestOurs = Math.min(bestOurs, time(() -> System.arraycopy(cpuOfAnalysis(blob), 0, threads, 0, 2)));
                if (ourCpu == null || threads[0] + threads[1] < ourCpu[0] + ourCpu[1]) {
                    ourCpu = threads;
                }
            }
            double toolRate = tarBytes / (bestTool / 1e9) / 1e6;
            double ourRate = tarBytes / (bestOurs / 1e9) / 1e6;
            double megabytes = tarBytes / 1e6;
            report.line(String.format(
                    Locale.ROOT,
                    "| %s | %.0f MB/s | %.0f MB/s | %.2f | %.2f ms | %.2f + %.2f ms |",
                    blob == gz ? "gzip" : "zstd",
                    toolRate,
                    ourRate,
                    ourRate / toolRate,
                    toolCpu / 1e6 / megabytes,
                    ourCpu[0] / 1e6 / megabytes,
                    ourCpu[1] / 1e6 / megabytes));
        }
        report.line("");
        report.line("CPU per MB: CPU time (user + system) per MB of uncompressed tar, the least of the rounds; the"
                + " wall-clock ratio depends on a second core being free for the hashing thread, the CPU times do"
                + " not. Load average at the end: "
                + Files.readString(Path.of("/proc/loadavg")).split(" ")[0] + ".");

        long parallel = Long.MAX_VALUE;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                parallel = Math.min(parallel, time(() -> {
                    List<Future<LayerIndex>> both = new ArrayList<>();
                    for (int i = 0; i < 2; i++) {
                        both.add(pool.submit(() -> analyse(gz)));
                    }
                    for (Future<LayerIndex> f : both) {
                        f.get();
                    }
                }));
            }
        } finally {
            pool.shutdownNow();
        }
        report.line("");
        report.line(String.format(
                Locale.ROOT,
                "Two gzip layers on two threads: %.0f MB/s of uncompressed tar in all.",
                2 * tarBytes / (parallel / 1e9) / 1e6));

        Path big = dir.resolve("big-layer.tar.gz");
        Path bigTar = dir.resolve("big-layer.tar");
        Path copies = Files.createDirectories(dir.resolve("copies"));
        for (int i = 1; i <= 4; i++) {
            Files.deleteIfExists(copies.resolve("copy" + i));
            Files.createSymbolicLink(copies.resolve("copy" + i), Path.of(jdk));
        }
        // one tar stream (one end marker) holding four dereferenced copies of the JDK directory, each file stored in
        // full (not as a hardlink to the first copy); the JDK's dangling lib/src.zip link is left out
        shell("tar --exclude=src.zip --hard-dereference -C '" + copies + "' -chf '" + bigTar
                + "' copy1 copy2 copy3 copy4 && gzip -1 -c '" + bigTar + "' > '" + big + "' && rm '" + bigTar + "'");
        String probe = runHeapProbe(big);
        report.line("");
        report.line("A 1 GiB layer (four copies of the JDK directory, gzip -1, "
                + String.format(Locale.ROOT, "%.0f MB", Files.size(big) / 1e6)
                + " compressed) analysed in a JVM with -Xmx64m: " + probe + ".");
        Path manyFiles = dir.resolve("many-files.tar.gz");
        TestLayers.Builder small = TestLayers.layer();
        for (int i = 0; i < 100_000; i++) {
            small.file("usr/share/many/d" + (i / 1000) + "/file-" + i + ".txt", 100, i);
        }
        Files.write(manyFiles, TestLayers.gzip(small.tar()));
        report.line("");
        report.line("A layer of 100,000 small files in the same 64 MiB JVM: " + runHeapProbe(manyFiles) + ".");
        report.line("");
        report.line(
                "Command: `./mvnw -B verify -Pbench -Dit.test=AnalysisBenchmark` (or `bench/run.sh` for every benchmark).");
        report.write();
        Files.deleteIfExists(big);
        assertThat(probe).contains("entries");
    }

    private static LayerIndex analyse(Path blob) throws Exception {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(blob), 1 << 16)) {
            return new LayerAnalyzer(AnalysisLimits.defaults())
                    .analyze(in, null, Deadline.in(Duration.ofMinutes(10)), LayerAnalyzer.Progress.NONE);
        }
    }

    /**
     * Analyses {@code blob} on this thread and returns the CPU time it took on this thread (decompressing and parsing)
     * and on the diffID hashing threads.
     */
    private static long[] cpuOfAnalysis(Path blob) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long hashingBefore = hashingCpu(threads);
        long before = threads.getCurrentThreadCpuTime();
        analyse(blob);
        long parsing = threads.getCurrentThreadCpuTime() - before;
        // the hashing thread ends its work before analyse returns (the diffID is its result)
        return new long[] {parsing, hashingCpu(threads) - hashingBefore};
    }

    private static long hashingCpu(ThreadMXBean threads) {
        long total = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("imagesize-diffid-")) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    /** Runs {@code command} and returns the CPU time (user + system, nanoseconds) it took, as bash's time says. */
    private static long cpuOfCommand(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(
                        "bash", "-c", "set -o pipefail; TIMEFORMAT='%3U %3S'; time (" + command + " 2>/dev/null)")
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.waitFor() != 0) {
            throw new IllegalStateException(command + " failed: " + out + err);
        }
        String[] times = err.lines().reduce((a, b) -> b).orElseThrow().trim().split(" ");
        return Math.round((Double.parseDouble(times[0]) + Double.parseDouble(times[1])) * 1e9);
    }

    /** Analyses {@code blob} in a child JVM capped at 64 MiB of heap and returns what it measured. */
    private static String runHeapProbe(Path blob) throws Exception {
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        AnalysisHeapProbe.class.getName(),
                        blob.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }

    private interface Timed {
        void run() throws Exception;
    }

    private static long time(Timed work) throws Exception {
        long start = System.nanoTime();
        work.run();
        return System.nanoTime() - start;
    }

    private static void requireTool(String tool, String hint) throws IOException, InterruptedException {
        Process which = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
        if (which.waitFor() != 0) {
            throw new IllegalStateException(tool + " is not installed: " + hint);
        }
    }

    private static void shell(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", "set -o pipefail; " + command)
                .redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(command + " failed: " + out);
        }
    }
}
