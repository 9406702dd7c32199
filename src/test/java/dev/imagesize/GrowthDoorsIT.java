package dev.imagesize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.admission.AdmissionHandler;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.assessment.SizeHistory;
import dev.imagesize.cli.CheckCommand;
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
 * Growth budgets through the three front doors, against a real API server and a real registry: the webhook's handler
 * given an UPDATE from the old image to the new one, the audit after the Deployment rolled from one to the other, and
 * {@code imagesize check NEW --baseline OLD --max-growth ...}. Each row reaches the same outcome at every door, said
 * with the same sentence (the subject and the policy's name aside).
 */
class GrowthDoorsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1024 * 1024;

    enum Outcome {
        WITHIN,
        OVER
    }

    /** One row: the image a container ran, the one replacing it, the policy's maxGrowth, the expectation. */
    record Case(String name, String before, String after, String maxGrowth, Outcome outcome, String sentencePart) {}

    private static TestCluster cluster;
    private static KubernetesClient client;
    private static LocalRegistry registry;
    private static final List<Case> cases = new ArrayList<>();
    private static String ns;

    @BeforeAll
    static void images() {
        cluster = TestCluster.get().withCrds();
        client = cluster.client();
        registry = LocalRegistry.sharedPlain();
        String v10 = TestImages.push(registry, "growth-doors/api", "1.0", Format.OCI, MIB)
                .reference();
        String v14 = TestImages.push(registry, "growth-doors/api", "1.4", Format.OCI, MIB, 400 * 1024)
                .reference();
        String v11 = TestImages.push(registry, "growth-doors/api", "1.1", Format.OCI, MIB, 100 * 1024)
                .reference();
        String v201 = TestImages.push(registry, "growth-doors/api", "2.01", Format.OCI, MIB, 10_486)
                .reference();
        cases.add(new Case("percent-over", v10, v14, "20%", Outcome.OVER, "is 1.4 MiB, 39% larger than"));
        cases.add(new Case("percent-within", v10, v11, "20%", Outcome.WITHIN, null));
        cases.add(new Case("size-over", v10, v14, "256Ki", Outcome.OVER, "is 1.4 MiB, 400.1 KiB larger than"));
        cases.add(new Case("size-within", v10, v11, "256Ki", Outcome.WITHIN, null));
        cases.add(new Case(
                "both-size-breaks", v10, v11, "20%, 64Ki", Outcome.OVER, "is 1.1 MiB, 10% (100.1 KiB) larger than"));
        cases.add(new Case(
                "both-percent-breaks", v10, v14, "20%, 1Mi", Outcome.OVER, "is 1.4 MiB, 39% (400.1 KiB) larger than"));
        cases.add(new Case("just-over", v10, v201, "1%", Outcome.OVER, "is 1.01 MiB, 1.01% larger than"));
        cases.add(new Case("shrinks", v14, v10, "0%", Outcome.WITHIN, null));
        ns = Namespaces.create(client, "growth-doors");
        for (Case c : cases) {
            cluster.kubectl()
                    .runWithInput("""
                            apiVersion: imagesize.dev/v1alpha1
                            kind: ImageSizePolicy
                            metadata: {name: %s, namespace: %s}
                            spec:
                              action: Enforce
                              onResolveError: Deny
                              maxGrowth: "%s"
                              selector: {matchLabels: {case: %s}}
                            """.formatted(c.name(), ns, c.maxGrowth(), c.name()), "apply", "-f", "-")
                    .assertSuccess();
        }
    }

    @AfterAll
    static void stop() {
        // without a namespace controller, deleting the namespace leaves its objects: delete them first
        cluster.kubectl().run("delete", "deployments,imagesizepolicies", "--all", "-n", ns, "--wait=false");
        client.namespaces().withName(ns).delete();
    }

    private static Deployment deployment(Case c, String image) {
        return Fixtures.deployment(ns, c.name(), "case", image);
    }

    /** What a door said: its outcome and its sentence (null when within budget). */
    record Said(Outcome outcome, String sentence) {}

    @Test
    void everyDoorReachesTheSameOutcomeWithTheSameSentence() throws Exception {
        Map<String, Said> webhook = new LinkedHashMap<>();
        Map<String, Said> audit = new LinkedHashMap<>();
        Map<String, Said> cli = new LinkedHashMap<>();
        try (InProcessOperator operator = new InProcessOperator(
                client,
                "growth-doors",
                Set.of(registry.hostPort()),
                new InProcessOperator.Audit(
                        Duration.ofMinutes(10), Duration.ofSeconds(10), 500, Duration.ofSeconds(1), Duration.ZERO))) {
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
                    Duration.ofSeconds(5));
            for (Case c : cases) {
                webhook.put(c.name(), webhook(handler, c));
            }

            for (Case c : cases) {
                client.resource(deployment(c, c.before())).create();
            }
            operator.lead();
            for (Case c : cases) {
                await().atMost(Duration.ofSeconds(60))
                        .alias(c.name() + ": the audit records the image before")
                        .until(() -> history(c).size() == 1);
            }
            for (Case c : cases) {
                // as a user rolls out: only the image changes, the audit's annotations stay
                cluster.kubectl()
                        .run("set", "image", "deployment/" + c.name(), "-n", ns, "main=" + c.after())
                        .assertSuccess();
            }
            for (Case c : cases) {
                try {
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> history(c).size() == 2);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError(c.name() + ": the audit did not record the rollout; annotations: "
                            + client.apps()
                                    .deployments()
                                    .inNamespace(ns)
                                    .withName(c.name())
                                    .get()
                                    .getMetadata()
                                    .getAnnotations());
                }
                audit.put(c.name(), audited(c));
            }
        }
        for (Case c : cases) {
            cli.put(c.name(), cli(c));
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
            assertThat(sentence)
                    .as(c.name())
                    .contains(c.sentencePart())
                    .contains("larger than \"" + c.before() + "\"")
                    .contains("it replaces; the maxGrowth of <policy> is ");
            assertThat(normalized(audit.get(c.name()).sentence()))
                    .as(c.name() + " audit")
                    .isEqualTo(sentence);
            assertThat(normalized(cli.get(c.name()).sentence()))
                    .as(c.name() + " CLI")
                    .isEqualTo(sentence);
        }
    }

    private static Said webhook(AdmissionHandler handler, Case c) throws IOException {
        String review =
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\","
                        + "\"kind\":{\"group\":\"apps\",\"version\":\"v1\",\"kind\":\"Deployment\"},\"namespace\":\""
                        + ns + "\",\"name\":\"" + c.name() + "\",\"operation\":\"UPDATE\",\"object\":"
                        + client.getKubernetesSerialization().asJson(deployment(c, c.after())) + ",\"oldObject\":"
                        + client.getKubernetesSerialization().asJson(deployment(c, c.before())) + "}}";
        JsonNode response = JSON.readTree(
                        handler.handle(review.getBytes(StandardCharsets.UTF_8), Deadline.in(Duration.ofSeconds(5)))
                                .body())
                .path("response");
        assertThat(response.path("warnings")).as(c.name() + " warnings").isEmpty();
        if (response.path("allowed").asBoolean()) {
            return new Said(Outcome.WITHIN, null);
        }
        return new Said(Outcome.OVER, response.path("status").path("message").asText());
    }

    private static List<JsonNode> history(Case c) throws IOException {
        Map<String, String> annotations = client.apps()
                .deployments()
                .inNamespace(ns)
                .withName(c.name())
                .get()
                .getMetadata()
                .getAnnotations();
        String text = annotations == null ? null : annotations.get(SizeHistory.ANNOTATION);
        List<JsonNode> entries = new ArrayList<>();
        if (text != null) {
            JSON.readTree(text).forEach(entries::add);
        }
        return entries;
    }

    private static Said audited(Case c) {
        Map<String, String> annotations = client.apps()
                .deployments()
                .inNamespace(ns)
                .withName(c.name())
                .get()
                .getMetadata()
                .getAnnotations();
        String verdict = annotations.get(WorkloadVerdict.VERDICT);
        assertThat(verdict).as(c.name() + " verdict").isIn(WorkloadVerdict.COMPLIANT, WorkloadVerdict.VIOLATION);
        return verdict.equals(WorkloadVerdict.COMPLIANT)
                ? new Said(Outcome.WITHIN, null)
                : new Said(Outcome.OVER, annotations.get(WorkloadVerdict.VIOLATIONS));
    }

    private static Said cli(Case c) throws IOException {
        StringWriter out = new StringWriter();
        CommandLine command = new CommandLine(new CheckCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(new StringWriter()));
        int exit = command.execute(
                c.after(),
                "--baseline",
                c.before(),
                "--max-growth",
                c.maxGrowth(),
                "--insecure-registry",
                registry.hostPort(),
                "-o",
                "json");
        assertThat(exit).as(c.name() + " CLI exit code").isIn(0, 1);
        String sentence = null;
        for (JsonNode result : JSON.readTree(out.toString()).path("results")) {
            if (result.hasNonNull("message")) {
                sentence = result.path("message").asText();
                break;
            }
        }
        return new Said(exit == 0 ? Outcome.WITHIN : Outcome.OVER, sentence);
    }

    /** The sentence without what differs by door on purpose: the subject and the policy's name. */
    static String normalized(String sentence) {
        if (sentence == null) {
            return null;
        }
        return sentence.replaceAll("^(container \"[^\"]*\" )?image \"[^\"]*\"", "<subject>")
                .replaceAll("ImageSizePolicy " + ns + "/[a-z-]+", "<policy>")
                .replaceAll("imagesize check --max-growth [^;]+? is ", "<policy> is ");
    }
}
