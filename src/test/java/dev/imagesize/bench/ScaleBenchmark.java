package dev.imagesize.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * The audit at scale against the real API server: 10,000 Pods, 2,000 Deployments, 500 Nodes and 200 namespaces
 * (objects only; nothing runs), one ClusterImageSizePolicy over all of them, and the operator as the chart runs it in
 * a 512Mi container ({@code -XX:MaxRAM=512m} and the chart's JVM flags). Records heap after GC, time to the first
 * full audit, the duration and API requests of a full pass, and the passes caused by a loop that annotates
 * namespaces (none expected). Sizes can be scaled down with -Dscale.factor=0.1 for a quick run.
 */
class ScaleBenchmark {
    private static final double FACTOR = Double.parseDouble(System.getProperty("scale.factor", "1"));
    private static final int NAMESPACES = (int) (200 * FACTOR);
    private static final int PODS = (int) (10_000 * FACTOR);
    private static final int DEPLOYMENTS = (int) (2_000 * FACTOR);
    private static final int NODES = (int) (500 * FACTOR);
    /** What the chart gives the JVM in its default 512Mi container. */
    static final List<String> CHART_JVM = List.of(
            "-XX:MaxRAM=512m",
            "-XX:MaxRAMPercentage=70",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:TrimNativeHeapInterval=1000");

    @Test
    void auditAtScale() throws Exception {
        TestCluster cluster = TestCluster.get().withCrds();
        KubernetesClient client = cluster.client();
        LocalRegistry registry = LocalRegistry.sharedPlain();
        List<String> images = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            images.add(TestImages.push(registry, "scale/app" + i, "1", TestImages.Format.OCI, 200_000L * (i + 1))
                    .reference());
        }
        String run = Long.toString(ThreadLocalRandom.current().nextLong(1L << 30), 36);
        BenchReport report = new BenchReport("scale", "The audit at scale (`ScaleBenchmark`)");
        report.line(String.format(
                Locale.ROOT,
                "%,d Pods, %,d Deployments, %,d Nodes, %,d namespaces (objects only), one ClusterImageSizePolicy over"
                        + " them all, 10 distinct images; the operator with %s.",
                PODS,
                DEPLOYMENTS,
                NODES,
                NAMESPACES,
                String.join(" ", CHART_JVM)));
        report.line("");

        cluster.kubectl().runWithInput(policy(run, "1Mi"), "apply", "-f", "-").assertSuccess();
        Map<String, String> properties = Map.of(
                "imagesize.registry.insecure-registries",
                registry.hostPort(),
                "imagesize.leader-election.lease-name",
                "imagesize-scale-" + run,
                "imagesize.audit.interval",
                "30m");
        OperatorProcess operator = OperatorProcess.start(
                cluster,
                properties,
                Map.of("POD_NAME", "scale-" + run, "MALLOC_ARENA_MAX", "2"),
                cluster.kubeconfig(),
                CHART_JVM);
        try {
            long start = System.nanoTime();
            parallel(NAMESPACES, i -> client.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(namespace(run, i))
                            .addToLabels("scale-run", run)
                            .endMetadata()
                            .build())
                    .create());
            parallel(NODES, i -> client.nodes()
                    .resource(new NodeBuilder()
                            .withNewMetadata()
                            .withName("scale-" + run + "-node-" + i)
                            .addToLabels("kubernetes.io/arch", "amd64")
                            .endMetadata()
                            .build())
                    .create());
            parallel(DEPLOYMENTS, i -> client.apps()
                    .deployments()
                    .inNamespace(namespace(run, i % NAMESPACES))
                    .resource(new DeploymentBuilder()
                            .withNewMetadata()
                            .withName("d" + i)
                            .endMetadata()
                            .withNewSpec()
                            .withReplicas(0)
                            .withNewSelector()
                            .addToMatchLabels("app", "d" + i)
                            .endSelector()
                            .withNewTemplate()
                            .withNewMetadata()
                            .addToLabels("app", "d" + i)
                            .endMetadata()
                            .withNewSpec()
                            .addNewContainer()
                            .withName("main")
                            .withImage(images.get(i % images.size()))
                            .endContainer()
                            .endSpec()
                            .endTemplate()
                            .endSpec()
                            .build())
                    .create());
            parallel(PODS, i -> client.pods()
                    .inNamespace(namespace(run, i % NAMESPACES))
                    .resource(new PodBuilder()
                            .withNewMetadata()
                            .withName("p" + i)
                            .addToLabels("app", "p" + (i % 50))
                            .endMetadata()
                            .withNewSpec()
                            .addNewContainer()
                            .withName("main")
                            .withImage(images.get((i * 7) % images.size()))
                            .endContainer()
                            .endSpec()
                            .build())
                    .create());
            Duration creating = Duration.ofNanos(System.nanoTime() - start);
            report.line(String.format(
                    Locale.ROOT,
                    "- Objects created in %.0f s while the operator ran: it stayed up (%s).",
                    creating.toMillis() / 1000.0,
                    operator.isAlive() ? "alive" : "DEAD"));
            assertThat(operator.isAlive()).isTrue();
            awaitAudited(cluster, run, operator);
            report.line(String.format(
                    Locale.ROOT, "- Heap after GC with everything cached: %.1f MiB.", heapAfterGc(operator)));
            histogram(operator);
        } finally {
            operator.close();
        }

        // a cold start with everything in place: the first full audit
        long started = System.nanoTime();
        operator = OperatorProcess.start(
                cluster, properties, Map.of("POD_NAME", "scale-" + run + "-2"), cluster.kubeconfig(), CHART_JVM);
        try {
            OperatorProcess restarted = operator;
            await().atMost(Duration.ofMinutes(15))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> restarted.metric("imagesize_audit_passes_seconds_count{kind=\"full\"}") >= 1);
            Duration firstAudit = Duration.ofNanos(System.nanoTime() - started);
            report.line(String.format(
                    Locale.ROOT,
                    "- Time from process start to the first full audit: %.1f s (full pass alone %.1f s).",
                    firstAudit.toMillis() / 1000.0,
                    restarted.metric("imagesize_audit_passes_seconds_sum{kind=\"full\"}")));
            report.line(String.format(
                    Locale.ROOT,
                    "- Writes by the restarted leader in its first audit: %.0f annotation patches, %.0f Event writes.",
                    restarted.metric("imagesize_audit_writes_total{what=\"annotations\"}"),
                    restarted.metric("imagesize_audit_writes_total{what=\"events\"}")));
            report.line("- The policy's status after it: "
                    + cluster.kubectl()
                            .run(
                                    "get",
                                    "cisp",
                                    "scale-" + run,
                                    "-o",
                                    "jsonpath={.status.workloads} workloads, {.status.violations} violations")
                            .stdout());

            // full passes on demand (the policy's spec changes), with the API server's request count around them
            double idleRequests = apiRequestsDuring(cluster, Duration.ofSeconds(10), () -> {});
            report.line(String.format(Locale.ROOT, "- API requests in 10 s with nothing to do: %.0f.", idleRequests));
            measurePass(cluster, restarted, report, policy(run, "2Mi"), "a new limit (every verdict is rewritten)");
            measurePass(
                    cluster,
                    restarted,
                    report,
                    policy(run, "2Mi").replace("action: Audit", "action: Warn"),
                    "a new action (no verdict changes)");

            // annotations on namespaces change no verdict: no pass at all
            double full = restarted.metric("imagesize_audit_passes_seconds_count{kind=\"full\"}");
            double partial = restarted.metric("imagesize_audit_passes_seconds_count{kind=\"partial\"}");
            int annotated = 0;
            long loopEnd = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < loopEnd) {
                String name = namespace(run, annotated % NAMESPACES);
                int value = annotated;
                client.namespaces().withName(name).edit(n -> {
                    n.getMetadata().getAnnotations().put("scale/touched", Integer.toString(value));
                    return n;
                });
                annotated++;
            }
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
            double extraFull = restarted.metric("imagesize_audit_passes_seconds_count{kind=\"full\"}") - full;
            double extraPartial = restarted.metric("imagesize_audit_passes_seconds_count{kind=\"partial\"}") - partial;
            report.line(String.format(
                    Locale.ROOT,
                    "- %d namespace annotations in 30 s: %.0f extra full passes, %.0f extra partial passes.",
                    annotated,
                    extraFull,
                    extraPartial));
            report.line(String.format(
                    Locale.ROOT,
                    "- Heap after GC at the end: %.1f MiB; the process is %s.",
                    heapAfterGc(restarted),
                    restarted.isAlive() ? "up" : "DOWN"));
            report.write();
            assertThat(restarted.isAlive()).isTrue();
            assertThat(extraFull + extraPartial).isZero();
        } finally {
            operator.close();
            cluster.kubectl().run("delete", "cisp", "scale-" + run, "--wait=false");
        }
    }

    /** Applies {@code policy}, waits for the full pass it causes and reports its duration and API requests. */
    private static void measurePass(
            TestCluster cluster, OperatorProcess operator, BenchReport report, String policy, String what)
            throws Exception {
        String count = "imagesize_audit_passes_seconds_count{kind=\"full\"}";
        String sum = "imagesize_audit_passes_seconds_sum{kind=\"full\"}";
        double passesBefore = operator.metric(count);
        double sumBefore = operator.metric(sum);
        long start = System.nanoTime();
        double requests = apiRequestsDuring(cluster, Duration.ZERO, () -> {
            cluster.kubectl().runWithInput(policy, "apply", "-f", "-").assertSuccess();
            await().atMost(Duration.ofMinutes(10))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> operator.metric(count) > passesBefore);
            awaitQuiet(operator);
        });
        report.line(String.format(
                Locale.ROOT,
                "- A full pass after %s: %.1f s; API requests from the change until quiet (%.0f s, quiet included): %.0f.",
                what,
                operator.metric(sum) - sumBefore,
                (System.nanoTime() - start) / 1e9,
                requests));
    }

    private static String namespace(String run, int i) {
        return "scale-" + run + "-" + i;
    }

    private static String policy(String run, String max) {
        return """
                apiVersion: imagesize.dev/v1alpha1
                kind: ClusterImageSizePolicy
                metadata: {name: scale-%s}
                spec:
                  action: Audit
                  maxImageSize: %s
                  namespaceSelector: {matchLabels: {scale-run: "%s"}}
                """.formatted(run, max, run);
    }

    /** Runs {@code action} for {@code count} indexes on 16 threads. */
    private static void parallel(int count, IntConsumer action) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(pool.submit(() -> action.accept(index)));
            }
            for (Future<?> future : futures) {
                future.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits until the policy's status counts every workload and the audit is quiet. */
    private static void awaitAudited(TestCluster cluster, String run, OperatorProcess operator) {
        await().atMost(Duration.ofMinutes(15))
                .pollInterval(Duration.ofSeconds(5))
                .until(() -> cluster.kubectl()
                        .run("get", "cisp", "scale-" + run, "-o", "jsonpath={.status.workloads}")
                        .stdout()
                        .equals(Integer.toString(PODS + DEPLOYMENTS)));
        awaitQuiet(operator);
    }

    /** Waits until the audit has nothing pending and has had no pass for 5 s. */
    private static void awaitQuiet(OperatorProcess operator) {
        double[] last = {-1};
        await().atMost(Duration.ofMinutes(15))
                .pollInterval(Duration.ofSeconds(5))
                .until(() -> {
                    double passes = operator.metric("imagesize_audit_passes_seconds_count{kind=\"full\"}")
                            + operator.metric("imagesize_audit_passes_seconds_count{kind=\"partial\"}");
                    boolean quiet = passes == last[0] && operator.metric("imagesize_audit_pending") == 0;
                    last[0] = passes;
                    return quiet;
                });
    }

    /** Prints the 25 classes that hold the most heap, to see where the memory goes. */
    private static void histogram(OperatorProcess operator) throws Exception {
        Process jcmd = new ProcessBuilder(
                        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                .toString(),
                        Long.toString(operator.pid()),
                        "GC.class_histogram")
                .redirectErrorStream(true)
                .start();
        String out = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        jcmd.waitFor(60, TimeUnit.SECONDS);
        java.nio.file.Path file = TestCluster.projectDir().resolve("target/bench/scale-histogram.txt");
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.writeString(file, out);
    }

    /** Heap in use right after a full GC, from the process's own metrics. */
    private static double heapAfterGc(OperatorProcess operator) throws Exception {
        Process gc = new ProcessBuilder(
                        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                .toString(),
                        Long.toString(operator.pid()),
                        "GC.run")
                .redirectErrorStream(true)
                .start();
        assertThat(gc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return operator.metrics()
                        .lines()
                        .filter(line -> line.startsWith("jvm_memory_used_bytes{area=\"heap\""))
                        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                        .sum()
                / (1024 * 1024);
    }

    /** API server requests (all of apiserver_request_total) counted while {@code action} runs, or over {@code idle}. */
    private static double apiRequestsDuring(TestCluster cluster, Duration idle, Runnable action) throws Exception {
        double before = apiRequests(cluster);
        if (idle.isZero()) {
            action.run();
        } else {
            await().during(idle).atMost(idle.plusSeconds(5)).until(() -> true);
        }
        return apiRequests(cluster) - before;
    }

    private static double apiRequests(TestCluster cluster) {
        return cluster.kubectl()
                .run("get", "--raw", "/metrics")
                .assertSuccess()
                .stdout()
                .lines()
                .filter(line -> line.startsWith("apiserver_request_total{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
