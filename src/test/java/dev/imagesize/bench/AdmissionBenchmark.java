package dev.imagesize.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Admission over HTTPS on loopback against the operator jar, with a policy in force and images in the real registry:
 * throughput and p50/p99/max at 1, 16 and 100 concurrent clients, cold (10 images never seen) and warm, and the
 * registry requests 1,000 admissions of Pods sharing 10 images cause.
 */
class AdmissionBenchmark {
    private static final String NS = "bench";

    @Test
    void admission() throws Exception {
        TestCluster cluster = TestCluster.get().withCrds();
        LocalRegistry registry = LocalRegistry.sharedPlain();
        cluster.kubectl().run("create", "namespace", NS);
        cluster.kubectl().runWithInput("""
                apiVersion: imagesize.dev/v1alpha1
                kind: ImageSizePolicy
                metadata: {name: bench, namespace: %s}
                spec: {action: Enforce, maxImageSize: 100Mi, maxLayers: 40}
                """.formatted(NS), "apply", "-f", "-").assertSuccess();
        BenchReport report = new BenchReport("admission", "Admission webhook (`AdmissionBenchmark`)");
        try (OperatorProcess operator = OperatorProcess.start(
                cluster,
                Map.of("imagesize.registry.insecure-registries", registry.hostPort(), "quarkus.log.level", "WARN"))) {
            HttpClient http = operator.webhookClient();
            report.line(
                    "| clients | caches | requests | throughput (req/s) | p50 ms | p99 ms | max ms | registry GETs (manifest + config) |");
            report.line("|---|---|---|---|---|---|---|---|");
            for (int clients : new int[] {1, 16, 100}) {
                List<String> images = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    images.add(TestImages.push(
                                    registry, "bench/c" + clients + "-" + i, "1.0", Format.OCI, 50_000 + i, 1_000)
                            .reference());
                }
                String repos = "/v2/bench/c" + clients + "-\\d/(manifests|blobs)/.*";
                long before = registry.requestCount("GET", repos);
                Run cold = run(http, operator, images, clients, 1_000);
                Thread.sleep(500);
                long registryGets = registry.requestCount("GET", repos) - before;
                report.line(cold.row(clients, "cold (10 new images)", registryGets));
                run(http, operator, images, clients, 2_000); // warm-up of connections and JIT
                Run warm = run(http, operator, images, clients, clients == 1 ? 3_000 : 10_000);
                report.line(warm.row(clients, "warm", registry.requestCount("GET", repos) - before - registryGets));
                assertThat(cold.failures).isZero();
                assertThat(warm.failures).isZero();
            }
            wrk(operator, registry, report);
        }
        report.write();
    }

    /**
     * The same warm admissions driven by wrk, a C load generator much lighter than Java's HttpClient: on two shared
     * cores the generator's own cost otherwise dominates what is measured.
     */
    private static void wrk(OperatorProcess operator, LocalRegistry registry, BenchReport report) throws Exception {
        if (new ProcessBuilder("sh", "-c", "command -v wrk").start().waitFor() != 0) {
            report.line("").line("wrk is not installed (apt-get install wrk): its rows are left out.");
            return;
        }
        String image = TestImages.push(registry, "bench/wrk", "1.0", Format.OCI, 50_000)
                .reference();
        java.nio.file.Path body = java.nio.file.Files.createTempFile("review", ".json");
        java.nio.file.Files.writeString(body, review("wrk", image));
        java.nio.file.Path script = java.nio.file.Files.createTempFile("post", ".lua");
        java.nio.file.Files.writeString(
                script,
                "local f = io.open(\"" + body + "\", \"r\")\n"
                        + "wrk.method = \"POST\"\nwrk.body = f:read(\"*a\")\nwrk.headers[\"Content-Type\"] = \"application/json\"\n");
        run(operator, java.util.List.of("wrk", "-t1", "-c4", "-d3s", "-s", script.toString(), operator.webhookUrl()));
        report.line("")
                .line("Warm, driven by wrk (10 s per row, same review and policy):")
                .line("")
                .line("| connections | throughput (req/s) | mean ms | p50 ms | p99 ms | non-2xx |")
                .line("|---|---|---|---|---|---|");
        for (int connections : new int[] {1, 16, 100}) {
            String out = run(
                    operator,
                    java.util.List.of(
                            "wrk",
                            connections == 1 ? "-t1" : "-t2",
                            "-c" + connections,
                            "-d10s",
                            "--latency",
                            "-s",
                            script.toString(),
                            operator.webhookUrl()));
            report.line(String.format(
                    Locale.ROOT,
                    "| %d | %s | %s | %s | %s | %s |",
                    connections,
                    field(out, "Requests/sec:\\s+([0-9.]+)"),
                    millis(field(out, "Latency\\s+([0-9.]+[a-z]+)")),
                    millis(field(out, "50%\\s+([0-9.]+[a-z]+)")),
                    millis(field(out, "99%\\s+([0-9.]+[a-z]+)")),
                    out.contains("Non-2xx") ? field(out, "Non-2xx or 3xx responses:\\s+(\\d+)") : "0"));
        }
    }

    private static String run(OperatorProcess operator, List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(out).isZero();
        return out;
    }

    private static String field(String text, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : "?";
    }

    /** wrk prints 148.00us, 3.44ms or 1.2s. */
    private static String millis(String value) {
        if (!value.matches("[0-9.]+[a-z]+")) {
            return value; // "?": wrk printed no such figure
        }
        double number = Double.parseDouble(value.replaceAll("[a-z]+$", ""));
        double ms = value.endsWith("us") ? number / 1000 : value.endsWith("ms") ? number : number * 1000;
        return String.format(Locale.ROOT, "%.3f", ms);
    }

    record Run(int requests, double seconds, long[] latencies, int failures) {
        String row(int clients, String caches, long registryGets) {
            return String.format(
                    Locale.ROOT,
                    "| %d | %s | %d | %,.0f | %s | %d |",
                    clients,
                    caches,
                    requests,
                    requests / seconds,
                    BenchReport.percentiles(latencies),
                    registryGets);
        }
    }

    private static Run run(HttpClient http, OperatorProcess operator, List<String> images, int clients, int requests)
            throws Exception {
        long[] latencies = new long[requests];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        URI uri = URI.create(operator.webhookUrl());
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            workers.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                    String body = review("uid-" + i, images.get(i % images.size()));
                    long t = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(
                                HttpRequest.newBuilder(uri)
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200 || !response.body().contains("\"allowed\":true")) {
                            failures.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                    latencies[i] = System.nanoTime() - t;
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return new Run(requests, seconds, latencies, failures.get());
    }

    private static String review(String uid, String image) {
        return """
                {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s",
                "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
                "namespace":"%s","name":"p-%s","operation":"CREATE","dryRun":false,
                "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p-%s","namespace":"%s","labels":{"app":"bench"}},
                "spec":{"containers":[{"name":"app","image":"%s"}]}}}}
                """.formatted(uid, NS, uid, uid, NS, image);
    }
}
