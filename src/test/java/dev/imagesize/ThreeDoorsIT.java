package dev.imagesize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.admission.AdmissionHandler;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.cli.CheckCommand;
import dev.imagesize.image.Platform;
import dev.imagesize.operator.WorkloadVerdict;
import dev.imagesize.testing.Fixtures;
import dev.imagesize.testing.InProcessOperator;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The same images and limits through the three front doors (the webhook's handler, the audit, the CLI), against a
 * real API server and real registries: each door reaches the same outcome and says it with the same sentence (the
 * subject and the policy's name aside: a CLI image has no container, and its "policy" is its flags).
 */
class ThreeDoorsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MAX = "2400000";
    private static final String MAX_LAYER = "1500000";
    private static final String MAX_LAYERS = "3";
    private static final Platform ARM64 = Platform.parse("linux/arm64");

    enum Outcome {
        WITHIN,
        OVER,
        UNKNOWN
    }

    /** One row of the table: an image, the platforms the policy names (empty: the cluster's), the expectation. */
    record Case(String name, String image, List<Platform> platforms, Outcome outcome, String sentencePart) {}

    private static TestCluster cluster;
    private static KubernetesClient client;
    private static LocalRegistry plain;
    private static LocalRegistry tls;
    private static ServerSocket blackhole;
    private static final List<Socket> held = new ArrayList<>();
    private static final List<Case> cases = new ArrayList<>();
    private static String ns;

    @BeforeAll
    static void images() throws IOException {
        cluster = TestCluster.get().withCrds();
        client = cluster.client();
        plain = LocalRegistry.sharedPlain();
        tls = LocalRegistry.sharedTls();
        blackhole = new ServerSocket(0);
        Thread accept = new Thread(() -> {
            while (!blackhole.isClosed()) {
                try {
                    held.add(blackhole.accept());
                } catch (IOException e) {
                    return;
                }
            }
        });
        accept.setDaemon(true);
        accept.start();
        String within =
                TestImages.push(plain, "doors/within", "1", Format.OCI, 200_000).reference();
        String overImage = TestImages.push(plain, "doors/over-image", "1", Format.OCI, 1_200_000, 1_209_000)
                .reference();
        String overLayer = TestImages.push(plain, "doors/over-layer", "1", Format.OCI, 1_600_000)
                .reference();
        String overCount = TestImages.push(plain, "doors/over-count", "1", Format.OCI, 1_000, 1_000, 1_000, 1_000)
                .reference();
        String secret =
                TestImages.push(tls, "doors/private", "1", Format.OCI, 1_000).reference();
        cases.add(new Case("within", within, List.of(), Outcome.WITHIN, null));
        cases.add(new Case(
                "over-image",
                overImage,
                List.of(),
                Outcome.OVER,
                "is 2.30 MiB compressed, over the 2.29 MiB maxImageSize"));
        cases.add(new Case("over-layer", overLayer, List.of(), Outcome.OVER, "with a 1.5 MiB layer"));
        cases.add(new Case("over-count", overCount, List.of(), Outcome.OVER, "with 4 layers, over the maxLayers of 3"));
        cases.add(new Case(
                "partial-platform",
                within,
                List.of(Platform.LINUX_AMD64, ARM64),
                Outcome.UNKNOWN,
                "has no linux/arm64 image (it has: linux/amd64)"));
        cases.add(new Case("missing-platform", within, List.of(ARM64), Outcome.UNKNOWN, "has no linux/arm64 image"));
        cases.add(new Case(
                "not-found", plain.hostPort() + "/doors/missing:1", List.of(), Outcome.UNKNOWN, "size unknown ("));
        cases.add(new Case("unauthorized", secret, List.of(), Outcome.UNKNOWN, "size unknown ("));
        cases.add(new Case(
                "timeout",
                "127.0.0.1:" + blackhole.getLocalPort() + "/doors/hangs:1",
                List.of(),
                Outcome.UNKNOWN,
                "did not answer"));
        ns = Namespaces.create(client, "three-doors");
        for (Case c : cases) {
            cluster.kubectl()
                    .runWithInput(
                            """
                            apiVersion: imagesize.dev/v1alpha1
                            kind: ImageSizePolicy
                            metadata: {name: %s, namespace: %s}
                            spec:
                              action: Enforce
                              onResolveError: Deny
                              maxImageSize: "%s"
                              maxLayerSize: "%s"
                              maxLayers: %s
                              selector: {matchLabels: {case: %s}}
                            %s
                            """.formatted(
                                            c.name(),
                                            ns,
                                            MAX,
                                            MAX_LAYER,
                                            MAX_LAYERS,
                                            c.name(),
                                            c.platforms().isEmpty()
                                                    ? ""
                                                    : "  platforms: "
                                                            + c.platforms().stream()
                                                                    .map(Platform::toString)
                                                                    .toList()),
                            "apply",
                            "-f",
                            "-")
                    .assertSuccess();
        }
    }

    @AfterAll
    static void stop() throws IOException {
        client.namespaces().withName(ns).delete();
        blackhole.close();
        for (Socket socket : held) {
            socket.close();
        }
    }

    private static Deployment deployment(Case c) {
        return Fixtures.deployment(ns, c.name(), "case", c.image());
    }

    /** What a door said: its outcome and its sentence (null when within budget). */
    record Said(Outcome outcome, String sentence) {}

    @Test
    void everyDoorReachesTheSameOutcomeWithTheSameSentence() throws Exception {
        Set<String> insecure = Set.of(plain.hostPort(), "127.0.0.1:" + blackhole.getLocalPort());
        Map<String, Said> webhook = new LinkedHashMap<>();
        Map<String, Said> audit = new LinkedHashMap<>();
        Map<String, Said> cli = new LinkedHashMap<>();
        try (InProcessOperator operator = new InProcessOperator(
                client,
                "three-doors",
                insecure,
                new InProcessOperator.Audit(
                        Duration.ofMinutes(10), Duration.ofSeconds(2), 500, Duration.ofSeconds(1), Duration.ZERO))) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> operator.cluster.isSynced()
                            && operator.cluster.rules().stream()
                                            .filter(rule -> ns.equals(rule.namespace()))
                                            .count()
                                    == cases.size()); // other classes' policies may share the API server

            AdmissionHandler handler = new AdmissionHandler(
                    operator.cluster,
                    new Assessments(operator.resolver, 100),
                    operator.pullSecrets,
                    Duration.ofSeconds(2));
            for (Case c : cases) {
                webhook.put(c.name(), webhook(handler, c));
            }

            List<Deployment> created = new ArrayList<>();
            for (Case c : cases) {
                created.add(client.resource(deployment(c)).create());
            }
            operator.lead();
            for (Case c : cases) {
                audit.put(
                        c.name(), await().atMost(Duration.ofSeconds(90)).until(() -> audited(c), said -> said != null));
            }
        }
        for (Case c : cases) {
            cli.put(c.name(), cli(c, insecure));
        }

        for (Case c : cases) {
            assertThat(List.of(
                            webhook.get(c.name()).outcome(),
                            audit.get(c.name()).outcome(),
                            cli.get(c.name()).outcome()))
                    .as(c.name() + ": webhook, audit, CLI")
                    .containsOnly(c.outcome());
            if (c.outcome() == Outcome.WITHIN) {
                continue;
            }
            String sentence = normalized(webhook.get(c.name()).sentence());
            assertThat(sentence).as(c.name()).contains(c.sentencePart());
            assertThat(normalized(audit.get(c.name()).sentence()))
                    .as(c.name() + " audit")
                    .isEqualTo(sentence);
            assertThat(normalized(cli.get(c.name()).sentence()))
                    .as(c.name() + " CLI")
                    .isEqualTo(sentence);
            if (sentence.contains(REMEDY)) {
                // the remedy is the one part each door words for its own user
                assertThat(webhook.get(c.name()).sentence()).as(c.name()).contains("image pull secret");
                assertThat(cli.get(c.name()).sentence()).as(c.name() + " CLI").contains("docker login");
            }
        }
    }

    private static Said webhook(AdmissionHandler handler, Case c) throws IOException {
        String review =
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\","
                        + "\"kind\":{\"group\":\"apps\",\"version\":\"v1\",\"kind\":\"Deployment\"},\"namespace\":\""
                        + ns
                        + "\",\"name\":\"" + c.name() + "\",\"operation\":\"CREATE\",\"object\":"
                        + client.getKubernetesSerialization().asJson(deployment(c)) + "}}";
        JsonNode response = JSON.readTree(
                        handler.handle(review.getBytes(StandardCharsets.UTF_8), Deadline.in(Duration.ofSeconds(2)))
                                .body())
                .path("response");
        if (response.path("allowed").asBoolean()) {
            return new Said(Outcome.WITHIN, null);
        }
        String message = response.path("status").path("message").asText();
        return new Said(message.contains("size unknown") ? Outcome.UNKNOWN : Outcome.OVER, message);
    }

    private static Said audited(Case c) {
        Map<String, String> annotations = client.apps()
                .deployments()
                .inNamespace(ns)
                .withName(c.name())
                .get()
                .getMetadata()
                .getAnnotations();
        String verdict = annotations == null ? null : annotations.get(WorkloadVerdict.VERDICT);
        if (verdict == null) {
            return null;
        }
        Outcome outcome =
                switch (verdict) {
                    case WorkloadVerdict.COMPLIANT -> Outcome.WITHIN;
                    case WorkloadVerdict.VIOLATION -> Outcome.OVER;
                    default -> Outcome.UNKNOWN;
                };
        return new Said(outcome, annotations.get(WorkloadVerdict.VIOLATIONS));
    }

    private static Said cli(Case c, Set<String> insecure) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                c.image(),
                "--max",
                MAX,
                "--max-layer-size",
                MAX_LAYER,
                "--max-layers",
                MAX_LAYERS,
                "--timeout",
                "2s",
                "-o",
                "json"));
        if (!c.platforms().isEmpty()) {
            args.add("--platform");
            args.add(String.join(
                    ",", c.platforms().stream().map(Platform::toString).toList()));
        }
        for (String registry : insecure) {
            args.add("--insecure-registry");
            args.add(registry);
        }
        StringWriter out = new StringWriter();
        CommandLine command = new CommandLine(new CheckCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(new StringWriter()));
        int exit = command.execute(args.toArray(String[]::new));
        Outcome outcome = exit == 0 ? Outcome.WITHIN : exit == 1 ? Outcome.OVER : Outcome.UNKNOWN;
        String sentence = null;
        for (JsonNode result : JSON.readTree(out.toString()).path("results")) {
            if (result.hasNonNull("message")) {
                sentence = result.path("message").asText();
                break;
            }
        }
        return new Said(outcome, sentence);
    }

    /**
     * The sentence without what differs by door on purpose: the subject (a CLI image has no container), the policy's
     * name, and durations (the time left differs; stored text carries none).
     */
    /** Where the remedy for missing credentials stood in a normalized sentence. */
    private static final String REMEDY = "<how to give credentials>";

    static String normalized(String sentence) {
        if (sentence == null) {
            return null;
        }
        return sentence.replaceAll("^(container \"[^\"]*\" )?image \"[^\"]*\"", "<subject>")
                .replaceAll("ImageSizePolicy " + ns + "/[a-z-]+", "<policy>")
                .replaceAll("imagesize check --max \\S+ --max-layer-size \\S+ --max-layers \\d+", "<policy>")
                .replaceAll("\\b\\d+ ?ms\\b|some time", "<time>")
                // how to give credentials: a pull secret in the cluster, `docker login` in CI (issue 9)
                .replaceAll("add an image pull secret for \\S+?(?=\\))", REMEDY)
                .replaceAll("run `docker login [^`]+` \\(credentials are read from [^)]*\\)", REMEDY);
    }
}
