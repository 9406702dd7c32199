package dev.imagesize.bench;

import static dev.imagesize.testing.FakeRegistry.send;
import static dev.imagesize.testing.FakeRegistry.sendManifest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.FakeRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Soak: 100,000 cold lookups (a manifest and a config blob each, 200,000 registry requests over kept-alive
 * connections) in a JVM with {@code -Xmx128m}, the operator's heap under its chart's 512 Mi limit. The heap after a full
 * GC must stay flat once the caches are full; with jib-core's client the same JVM ran out of memory after about 20,000
 * requests. The registry is in-process (HTTPS, this JVM), so the figure is the resolver's, not the registry's.
 */
class ResolverSoakBenchmark {
    private static final int LOOKUPS = 100_000;
    private static final int EVERY = 10_000;
    private static final Pattern PATH = Pattern.compile("/v2/soak/app-(\\d+)/(manifests|blobs)/.*");

    @Test
    void heapStaysFlatOver100000ColdLookupsAt128MiB() throws Exception {
        try (FakeRegistry registry = FakeRegistry.https(exchange -> {
            String path = exchange.getRequestURI().getPath();
            Matcher matcher = PATH.matcher(path);
            if (path.equals("/v2/")) {
                send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else if (matcher.matches()) {
                byte[] config = config(matcher.group(1));
                if (matcher.group(2).equals("blobs")) {
                    send(exchange, 200, "application/octet-stream", config);
                } else {
                    sendManifest(exchange, "application/vnd.oci.image.manifest.v1+json", manifest(config));
                }
            } else {
                send(exchange, 404, "application/json", FakeRegistry.errorBody("NAME_UNKNOWN", "unknown"));
            }
        })) {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process child = new ProcessBuilder(
                            java.toString(),
                            "-Xmx128m",
                            "-XX:+ExitOnOutOfMemoryError",
                            "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                            "-cp",
                            System.getProperty("java.class.path"),
                            ResolverSoak.class.getName(),
                            registry.address(),
                            Integer.toString(LOOKUPS),
                            Integer.toString(EVERY))
                    .redirectErrorStream(true)
                    .start();
            List<String> lines = new ArrayList<>();
            try (var output = child.inputReader()) {
                String line;
                while ((line = output.readLine()) != null) {
                    System.out.println("[soak] " + line);
                    lines.add(line);
                }
            }
            assertThat(child.waitFor(30, TimeUnit.MINUTES)).isTrue();
            assertThat(child.exitValue()).as("the soak JVM ended normally").isZero();

            List<long[]> samples = new ArrayList<>();
            List<String> series = new ArrayList<>();
            String done = null;
            for (String line : lines) {
                if (line.startsWith("heap ")) {
                    String[] parts = line.split(" ");
                    samples.add(new long[] {Long.parseLong(parts[1]), (long) (Double.parseDouble(parts[2]) * 1024)});
                    series.add(String.format(Locale.ROOT, "%,d: %s MiB", Long.parseLong(parts[1]), parts[2]));
                } else if (line.startsWith("done ")) {
                    done = line;
                }
            }
            assertThat(done).as("the soak finished").isNotNull().contains("failed 0");
            assertThat(samples).hasSize(LOOKUPS / EVERY);
            // With the default bounds the caches are full by about 50,000 lookups (10,000 tags and as many last known
            // digests, 50,000 of manifest weight = 16,666 of these manifests, 10,000 config platforms); what the heap
            // does after that is what the rest keeps.
            long settled = samples.get(4)[1];
            long last = samples.get(samples.size() - 1)[1];
            long highest = samples.subList(1, samples.size()).stream()
                    .mapToLong(s -> s[1])
                    .max()
                    .orElseThrow();
            BenchReport report = new BenchReport("soak", "Resolver soak (`ResolverSoakBenchmark`)");
            report.line(String.format(
                    Locale.ROOT,
                    "100,000 cold lookups (200,000 registry requests over kept-alive HTTPS) at -Xmx128m, %s."
                            + " Heap after full GC every 10,000 lookups: %s. From 50,000 to 100,000: %+.1f MiB"
                            + " (highest %.1f MiB).",
                    done.substring(done.indexOf("seconds") + 8) + " s",
                    String.join(", ", series),
                    (last - settled) / 1024.0,
                    highest / 1024.0));
            report.write();
            assertThat(last - settled)
                    .as("heap growth after the caches are full, KiB")
                    .isLessThan(2 * 1024);
        }
    }

    private static byte[] config(String n) {
        return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                        + "\"config\":{\"Labels\":{\"n\":\"" + n + "\"}}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] manifest(byte[] config) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
                        + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                        + FakeRegistry.sha256(config) + "\",\"size\":" + config.length + "},\"layers\":[{"
                        + "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\""
                        + FakeRegistry.fakeDigest('1') + "\",\"size\":1000},{"
                        + "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\""
                        + FakeRegistry.fakeDigest('2') + "\",\"size\":2000}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
