package dev.imagesize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.assessment.SizeHistory;
import dev.imagesize.cli.CheckCommand;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import dev.imagesize.testing.WebhookRegistration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Growth budgets end to end (issue 15): the operator as users run it, registered as the real API server's webhook,
 * rolls Deployments from a 10 MiB image to a 14 MiB one under {@code maxGrowth: 20%}; the audit records the sizes of
 * each release in an annotation and as gauges, which go with the workload; the CLI with {@code --baseline} gives the
 * same verdict in the same words. Registry requests are counted in the registry's own access log.
 */
class GrowthIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1024 * 1024;
    private static final String POLICY = "growth-budget";

    private static TestCluster cluster;
    private static Kubectl kubectl;
    private static LocalRegistry registry;
    private static OperatorProcess operator;
    private static String ns;
    private static String webhook;
    private static Pushed v10;
    private static Pushed v14;
    private static Pushed v11;

    @BeforeAll
    static void start() {
        cluster = TestCluster.get().withCrds();
        kubectl = cluster.kubectl();
        registry = LocalRegistry.plain(); // its own: every request in its access log is this test's
        v10 = TestImages.push(registry, "growth/api", "1.4", Format.OCI, 10 * MIB);
        v14 = TestImages.push(registry, "growth/api", "1.5", Format.OCI, 10 * MIB, 4 * MIB);
        v11 = TestImages.push(registry, "growth/api", "1.4.1", Format.OCI, 10 * MIB, MIB);
        ns = Namespaces.create(cluster.client(), "growth-it");
        webhook = "imagesize-" + ns;
        operator = OperatorProcess.start(
                cluster,
                Map.of(
                        "imagesize.registry.insecure-registries",
                        registry.hostPort(),
                        // a tag is asked for again at every lookup: a lookup that happens reaches the registry
                        "imagesize.registry.tag-ttl",
                        "1ms",
                        "imagesize.audit.interval",
                        "10m",
                        "imagesize.leader-election.lease-name",
                        "growth-it-" + ns));
        kubectl.runWithInput(WebhookRegistration.of(operator, ns, webhook), "apply", "-f", "-")
                .assertSuccess();
    }

    @AfterAll
    static void stop() {
        if (kubectl != null) {
            kubectl.run("delete", "validatingwebhookconfiguration", webhook, "--ignore-not-found");
            // without a namespace controller, deleting the namespace leaves its objects: delete them first
            kubectl.run("delete", "deployments,imagesizepolicies", "--all", "-n", ns, "--wait=false");
            kubectl.run("delete", "namespace", ns, "--wait=false");
        }
        if (operator != null) {
            operator.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void rolloutsAreMeasuredAgainstTheImageTheyReplace() throws Exception {
        policy("Enforce");
        create("web", v10);
        create("api", v10);
        awaitHistory("web", 1);
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(300))
                .alias("the webhook applies the Enforce policy")
                .until(() -> setImage("web", v14, true), result -> result.stderr()
                        .contains("maxGrowth"));

        // Enforce: 10 MiB -> 14 MiB is 40% growth, over the 20% budget
        Kubectl.Result denied = setImage("web", v14, false);
        assertThat(denied.exitCode()).as(denied.output()).isNotZero();
        String refusal = sentence(denied.stderr());
        assertThat(refusal)
                .startsWith("container \"main\" image \"" + v14.reference() + "\" (" + v14.digest()
                        + ", linux/amd64) is 14.0 MiB, 40% larger than \"" + v10.reference() + "\" (10.0 MiB, "
                        + v10.digest() + ") it replaces; the maxGrowth of ImageSizePolicy " + ns + "/" + POLICY
                        + " is 20%; new layers: 10.0 MiB (")
                .matches(
                        ".*; new layers: 10.0 MiB \\(sha256:[0-9a-f]{12}[.]{3}\\), 4.0 MiB \\(sha256:[0-9a-f]{12}[.]{3}\\)$");
        assertThat(image("web")).as("nothing was stored").isEqualTo(v10.reference());

        // Enforce: 10 MiB -> 11 MiB is 10% growth, within budget, no warning
        long before = registryRequests();
        Kubectl.Result within = setImage("web", v11, false);
        assertThat(within.exitCode()).as(within.output()).isZero();
        assertThat(within.stderr()).doesNotContain("Warning");
        assertThat(registryRequests())
                .as("an image-changing update is measured in the registry")
                .isGreaterThan(before);
        awaitHistory("web", 2);

        // scaling and label changes leave the images alone: no registry request, webhook or audit
        long quiet = registryRequests();
        kubectl.run("scale", "deployment/web", "-n", ns, "--replicas=3").assertSuccess();
        kubectl.run("label", "deployment/web", "-n", ns, "team=shop").assertSuccess();
        kubectl.run("annotate", "deployment/web", "-n", ns, "note=scaled").assertSuccess();
        assertThat(cluster.client()
                        .apps()
                        .deployments()
                        .inNamespace(ns)
                        .withName("web")
                        .get()
                        .getSpec()
                        .getReplicas())
                .isEqualTo(3);
        assertThat(registryRequests())
                .as("registry requests for scaling and labels")
                .isEqualTo(quiet);

        // Warn: the same rollout is allowed, with the refusal's sentence as a warning
        policy("Warn");
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(300))
                .alias("the webhook applies the Warn policy")
                .until(() -> setImage("api", v14, true), result -> result.exitCode() == 0);
        Kubectl.Result warned = setImage("api", v14, false);
        assertThat(warned.exitCode()).as(warned.output()).isZero();
        assertThat(warned.stderr()).contains("Warning: " + refusal);
        assertThat(image("api")).isEqualTo(v14.reference());

        // the second rollout of web, 11 MiB -> 14 MiB (27%), warned and recorded
        Kubectl.Result second = setImage("web", v14, false);
        assertThat(second.exitCode()).as(second.output()).isZero();
        assertThat(second.stderr()).contains("is 14.0 MiB, 27% larger than \"" + v11.reference() + "\" (11.0 MiB");
        List<JsonNode> history = awaitHistory("web", 3);
        assertThat(history.stream().map(entry -> entry.path("image").asText()))
                .containsExactly(v14.reference(), v11.reference(), v10.reference());
        assertThat(history.stream().map(entry -> entry.path("digest").asText()))
                .containsExactly(v14.digest(), v11.digest(), v10.digest());

        // trends: the current and the previous size per workload and container, gone with the workload
        String web = "{container=\"main\",kind=\"Deployment\",namespace=\"" + ns + "\",workload=\"web\"}";
        String api = "{container=\"main\",kind=\"Deployment\",namespace=\"" + ns + "\",workload=\"api\"}";
        await().atMost(Duration.ofSeconds(30))
                .until(() -> operator.metric("imagesize_workload_image_bytes" + web) == v14.compressedSize()
                        && operator.metric("imagesize_workload_image_previous_bytes" + web) == v11.compressedSize()
                        && operator.metric("imagesize_workload_image_bytes" + api) == v14.compressedSize());
        // the policy's status names what the growth was measured against
        JsonNode webViolation = await().atMost(Duration.ofSeconds(60))
                .alias("the policy status lists web's growth")
                .until(
                        () -> {
                            JsonNode status = JSON.readTree(
                                            kubectl.run("get", "isp", POLICY, "-n", ns, "-o", "jsonpath={.status}")
                                                    .stdout())
                                    .path("topViolations");
                            for (JsonNode violation : status) {
                                if (violation.path("name").asText().equals("web")) {
                                    return violation;
                                }
                            }
                            return null;
                        },
                        violation -> violation != null);
        assertThat(webViolation.path("limit").asText()).isEqualTo("maxGrowth");
        assertThat(webViolation.path("image").asText()).isEqualTo(v14.reference());
        assertThat(webViolation.path("sizeBytes").asLong()).isEqualTo(v14.compressedSize());
        assertThat(webViolation.path("replacedImage").asText()).isEqualTo(v11.reference());
        assertThat(webViolation.path("replacedDigest").asText()).isEqualTo(v11.digest());
        assertThat(webViolation.path("replacedSizeBytes").asLong()).isEqualTo(v11.compressedSize());
        assertThat(webViolation.path("limitBytes").asLong()).isEqualTo(v11.compressedSize() * 120 / 100);

        kubectl.run("delete", "deployment", "web", "-n", ns).assertSuccess();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !operator.metrics().contains("workload=\"web\"")
                        && operator.metrics().contains("namespace=\"" + ns + "\",workload=\"api\""));

        // the CLI: the same verdict and words, with the baseline as an image and as an earlier -o json
        Cli cli = cli(v14.reference(), "--baseline", v10.reference(), "--max-growth", "20%");
        assertThat(cli.exitCode()).as(cli.output()).isEqualTo(1);
        assertThat(cli.output())
                .contains(refusal.replace("container \"main\" image", "image")
                        .replace("ImageSizePolicy " + ns + "/" + POLICY, "imagesize check --max-growth 20%"));
        Path previousRun = Files.createTempFile("imagesize-previous-run", ".json");
        Cli earlier = cli(v10.reference(), "--max", "1Gi", "-o", "json");
        assertThat(earlier.exitCode()).as(earlier.output()).isZero();
        Files.writeString(previousRun, earlier.stdout());
        Cli fromFile = cli(v14.reference(), "--baseline-file", previousRun.toString(), "--max-growth", "20%");
        assertThat(fromFile.exitCode()).as(fromFile.output()).isEqualTo(1);
        assertThat(fromFile.output()).contains("40% larger than \"" + v10.reference() + "\" (10.0 MiB");
        Cli passes = cli(v11.reference(), "--baseline", v10.reference(), "--max-growth", "20%");
        assertThat(passes.exitCode()).as(passes.output()).isZero();
        Files.delete(previousRun);
    }

    private static void policy(String action) {
        kubectl.runWithInput("""
                apiVersion: imagesize.dev/v1alpha1
                kind: ImageSizePolicy
                metadata: {name: %s, namespace: %s}
                spec:
                  action: %s
                  maxGrowth: "20%%"
                  onResolveError: Deny
                """.formatted(POLICY, ns, action), "apply", "-f", "-")
                .assertSuccess();
    }

    private static void create(String name, Pushed image) {
        String deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s, namespace: %s}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: %s}}
                  template:
                    metadata: {labels: {app: %s}}
                    spec:
                      containers:
                      - {name: main, image: "%s"}
                """.formatted(name, ns, name, name, image.reference());
        // the webhook's first answers (cold TLS and JIT on shared cores) may miss the API server's timeout
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .alias("the webhook admits " + name)
                .until(() -> kubectl.runWithInput(deployment, "apply", "--dry-run=server", "-f", "-")
                                .exitCode()
                        == 0);
        kubectl.runWithInput(deployment, "apply", "-f", "-").assertSuccess();
    }

    private static Kubectl.Result setImage(String name, Pushed image, boolean dryRun) {
        List<String> args =
                new ArrayList<>(List.of("set", "image", "deployment/" + name, "-n", ns, "main=" + image.reference()));
        if (dryRun) {
            args.add("--dry-run=server");
        }
        return kubectl.run(args.toArray(String[]::new));
    }

    private static String image(String name) {
        Deployment deployment = cluster.client()
                .apps()
                .deployments()
                .inNamespace(ns)
                .withName(name)
                .get();
        return deployment
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getImage();
    }

    /** The size history the audit recorded on a Deployment, once it has {@code entries} entries. */
    private static List<JsonNode> awaitHistory(String name, int entries) {
        return await().atMost(Duration.ofSeconds(60))
                .alias("the audit records " + entries + " images of " + name)
                .until(
                        () -> {
                            Map<String, String> annotations = cluster.client()
                                    .apps()
                                    .deployments()
                                    .inNamespace(ns)
                                    .withName(name)
                                    .get()
                                    .getMetadata()
                                    .getAnnotations();
                            String text = annotations == null ? null : annotations.get(SizeHistory.ANNOTATION);
                            List<JsonNode> list = new ArrayList<>();
                            if (text != null) {
                                JSON.readTree(text).forEach(list::add);
                            }
                            return list;
                        },
                        list -> list.size() == entries);
    }

    /** GETs and HEADs the registry served so far. */
    private static long registryRequests() {
        return registry.requestCount("GET", "/v2/.*") + registry.requestCount("HEAD", "/v2/.*");
    }

    /** The webhook's sentence in kubectl's error output, without kubectl's and the API server's framing. */
    private static String sentence(String stderr) {
        Optional<String> line =
                stderr.lines().filter(l -> l.contains("maxGrowth")).findFirst();
        assertThat(line).as(stderr).isPresent();
        String text = line.get();
        return text.substring(text.indexOf("container \""));
    }

    record Cli(int exitCode, String stdout, String stderr) {
        String output() {
            return stdout + stderr;
        }
    }

    private static Cli cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--insecure-registry", registry.hostPort(), "--timeout", "10s"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new CheckCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int exit = command.execute(all.toArray(String[]::new));
        return new Cli(exit, out.toString(), err.toString());
    }
}
