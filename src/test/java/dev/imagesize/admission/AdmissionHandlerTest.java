package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.assessment.Assessments;
import dev.imagesize.assessment.Credentials;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.policy.ImageGlob;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.PolicySource;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.Selector;
import dev.imagesize.policy.UnusablePolicy;
import dev.imagesize.registry.DockerConfig;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.Manifest;
import dev.imagesize.registry.ManifestSource;
import dev.imagesize.registry.RegistryFailure;
import dev.imagesize.registry.ResolverConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Canned AdmissionReview JSON in, exact AdmissionReview JSON out; registries and policies are fakes. */
class AdmissionHandlerTest {
    private static final String BIG = "reg.io/shop/big:1";
    private static final String SMALL = "reg.io/shop/small:1";
    private static final String BIG_DIGEST = "sha256:" + "b".repeat(64);
    private static final String SMALL_DIGEST = "sha256:" + "5".repeat(64);
    private static final String LAYER = "sha256:" + "1".repeat(64);

    private final AtomicInteger fetches = new AtomicInteger();
    private final List<Rule> rules = new ArrayList<>();
    private final List<UnusablePolicy> unusable = new ArrayList<>();
    private final List<String> credentialNotes = new ArrayList<>();
    private final AtomicBoolean loaded = new AtomicBoolean(true);
    private final ManifestSource registry = new ManifestSource() {
        @Override
        public Manifest fetchManifest(Repository repository, String qualifier) throws RegistryFailure {
            fetches.incrementAndGet();
            return switch (repository.name()) {
                case "shop/big" ->
                    new Manifest.Image(
                            BIG_DIGEST,
                            "application/vnd.oci.image.manifest.v1+json",
                            "sha256:c",
                            1024,
                            List.of(new Layer(LAYER, 3 * 1024 * 1024, "application/vnd.oci.image.layer.v1.tar+gzip")));
                case "shop/small" ->
                    new Manifest.Image(
                            SMALL_DIGEST,
                            "application/vnd.oci.image.manifest.v1+json",
                            "sha256:c",
                            1024,
                            List.of(new Layer(LAYER, 1024, "application/vnd.oci.image.layer.v1.tar+gzip")));
                default ->
                    throw new RegistryFailure(
                            new ResolveError(ResolveError.Kind.UNREACHABLE, "registry reg.io is unreachable"));
            };
        }

        @Override
        public Platform fetchConfigPlatform(Repository repository, Manifest.Image image) {
            return Platform.LINUX_AMD64;
        }
    };
    private final ImageSizeResolver resolver = new ImageSizeResolver(registry, ResolverConfig.defaults());
    private final AdmissionHandler handler = new AdmissionHandler(
            new PolicySource() {
                @Override
                public List<Rule> rules() {
                    return rules;
                }

                @Override
                public Map<String, String> namespaceLabels(String namespace) {
                    return Map.of("kubernetes.io/metadata.name", namespace);
                }

                @Override
                public List<Platform> clusterPlatforms() {
                    return List.of();
                }

                @Override
                public List<UnusablePolicy> failingClosed() {
                    return unusable;
                }

                @Override
                public boolean isLoaded() {
                    return loaded.get();
                }
            },
            new Assessments(resolver, 3),
            (workloads, until) -> workloads.stream()
                    .map(w -> new Credentials(DockerConfig.empty(), credentialNotes))
                    .toList(),
            Duration.ofSeconds(2));

    @AfterEach
    void close() {
        resolver.close();
    }

    private void policy(Rule.Action action, Rule.OnResolveError onResolveError) {
        rules.add(new Rule(
                Rule.NAMESPACED_KIND,
                "shop",
                "budget",
                action,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                new Limits(1024L * 1024, null, null),
                List.of(),
                List.of(ImageGlob.of("registry.k8s.io/*")),
                List.of(),
                onResolveError));
    }

    private String handle(String review) {
        AdmissionHandler.Reply reply = handler.handle(review.getBytes(StandardCharsets.UTF_8));
        assertThat(reply.status()).isEqualTo(200);
        return reply.body();
    }

    private static String podSpec(String image) {
        return "{\"containers\":[{\"name\":\"app\",\"image\":\"" + image
                + "\"},{\"name\":\"pause\",\"image\":\"registry.k8s.io/pause:3.9\"}]}";
    }

    private static String review(
            String operation, String kind, String group, String object, String oldObject, String subResource) {
        return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u-1\","
                + "\"kind\":{\"group\":\"" + group + "\",\"version\":\"v1\",\"kind\":\"" + kind + "\"},"
                + "\"namespace\":\"shop\",\"name\":\"web\",\"operation\":\"" + operation + "\""
                + (subResource == null ? "" : ",\"subResource\":\"" + subResource + "\"")
                + ",\"object\":" + object + (oldObject == null ? "" : ",\"oldObject\":" + oldObject) + "}}";
    }

    private static String deployment(String image) {
        return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},"
                + "\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":"
                + "{\"labels\":{\"app\":\"web\"}},\"spec\":" + podSpec(image) + "}}}";
    }

    private static final String DENIAL = "container \\\"app\\\" image \\\"" + BIG + "\\\" (" + BIG_DIGEST
            + ", linux/amd64) is 3.0 MiB compressed, over the 1.0 MiB maxImageSize of ImageSizePolicy shop/budget;"
            + " largest layer 3.0 MiB (sha256:111111111111...)";

    @Test
    void enforceDeniesWithTheExactMessage() {
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.WARN);
        assertThat(handle(review("CREATE", "Deployment", "apps", deployment(BIG), null, null)))
                .isEqualTo(
                        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"u-1\","
                                + "\"allowed\":false,\"status\":{\"code\":403,\"reason\":\"Forbidden\",\"message\":\""
                                + DENIAL + "\"}}}");
    }

    @Test
    void beforeThePoliciesAreLoadedNoWorkloadIsDecided() {
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.WARN);
        loaded.set(false);
        AdmissionHandler.Reply reply =
                handler.handle(review("CREATE", "Deployment", "apps", deployment(BIG), null, null)
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.body()).isEqualTo(AdmissionHandler.POLICIES_NOT_LOADED);
        assertThat(reply.decision().verdict()).isEqualTo("error");
        assertThat(fetches).hasValue(0);
        assertThat(handle(review("DELETE", "Deployment", "apps", deployment(BIG), null, null)))
                .as("what is never checked is still answered")
                .contains("\"allowed\":true");

        loaded.set(true);
        assertThat(handle(review("CREATE", "Deployment", "apps", deployment(BIG), null, null)))
                .contains("\"allowed\":false");
    }

    @Test
    void warnAllowsWithTheMessageAsAWarning() {
        policy(Rule.Action.WARN, Rule.OnResolveError.WARN);
        assertThat(handle(review("CREATE", "Deployment", "apps", deployment(BIG), null, null)))
                .isEqualTo(
                        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"u-1\","
                                + "\"allowed\":true,\"warnings\":[\"" + DENIAL + "\"]}}");
    }

    @Test
    void auditAllowsSilentlyAndWithinBudgetIsAllowed() {
        String allowed =
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"u-1\",\"allowed\":true}}";
        policy(Rule.Action.AUDIT, Rule.OnResolveError.DENY);
        assertThat(handle(review("CREATE", "Deployment", "apps", deployment(BIG), null, null)))
                .isEqualTo(allowed);
        rules.clear();
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.DENY);
        assertThat(handle(review("CREATE", "Deployment", "apps", deployment(SMALL), null, null)))
                .isEqualTo(allowed);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "StatefulSet, apps, '{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"serviceName\":\"web\",\"selector\":{},\"template\":{\"spec\":%s}}}'",
        "DaemonSet, apps, '{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"selector\":{},\"template\":{\"spec\":%s}}}'",
        "ReplicaSet, apps, '{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"selector\":{},\"template\":{\"spec\":%s}}}'",
        "ReplicationController, '', '{\"apiVersion\":\"v1\",\"kind\":\"ReplicationController\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"template\":{\"spec\":%s}}}'",
        "Job, batch, '{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"template\":{\"spec\":%s}}}'",
        "CronJob, batch, '{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"schedule\":\"* * * * *\",\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":%s}}}}}'",
        "Pod, '', '{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"},\"spec\":%s}'",
    })
    void everyPodControllerIsChecked(String kind, String group, String template) {
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.WARN);
        String body = handle(review("CREATE", kind, group, template.formatted(podSpec(BIG)), null, null));
        assertThat(body).contains("\"allowed\":false").contains(DENIAL);
    }

    @Test
    void updatesWithTheSameImagesNeverTouchTheRegistry() {
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.DENY);
        String scaled = deployment(BIG).replace("\"replicas\":1", "\"replicas\":5");
        assertThat(handle(review("UPDATE", "Deployment", "apps", scaled, deployment(BIG), null)))
                .contains("\"allowed\":true");
        assertThat(fetches).hasValue(0);
        assertThat(handle(review("UPDATE", "Deployment", "apps", deployment(BIG), deployment(SMALL), null)))
                .contains("\"allowed\":false");
    }

    @Test
    void subresourcesOtherThanEphemeralContainersAndUnknownKindsAreAllowed() {
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.DENY);
        assertThat(handle(review("UPDATE", "Deployment", "apps", "{\"spec\":{\"replicas\":3}}", null, "scale")))
                .contains("\"allowed\":true");
        assertThat(handle(review("CREATE", "ConfigMap", "", "{\"data\":{}}", null, null)))
                .contains("\"allowed\":true");
        assertThat(handle(review("DELETE", "Deployment", "apps", deployment(BIG), null, null)))
                .contains("\"allowed\":true");
        String pod =
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\""
                        + SMALL + "\"}],\"ephemeralContainers\":[{\"name\":\"debug\",\"image\":\"" + BIG + "\"}]}}";
        String oldPod =
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\""
                        + SMALL + "\"}]}}";
        assertThat(handle(review("UPDATE", "Pod", "", pod, oldPod, "ephemeralcontainers")))
                .contains("\"allowed\":false")
                .contains("ephemeral container \\\"debug\\\"");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void onResolveErrorDecidesWhenTheSizeIsUnknown() {
        String down = deployment("reg.io/shop/down:1");
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.DENY);
        assertThat(handle(review("CREATE", "Deployment", "apps", down, null, null)))
                .contains("\"allowed\":false")
                .contains(
                        "size unknown (registry reg.io is unreachable); ImageSizePolicy shop/budget has onResolveError Deny");
        rules.clear();
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.WARN);
        assertThat(handle(review("CREATE", "Deployment", "apps", down, null, null)))
                .contains("\"allowed\":true", "\"warnings\":[");
        rules.clear();
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.ALLOW);
        assertThat(handle(review("CREATE", "Deployment", "apps", down, null, null)))
                .doesNotContain("warnings")
                .contains("\"allowed\":true");
    }

    @Test
    void malformedReviewsGetA400WithAClearMessage() {
        for (String body : List.of(
                "",
                "[]",
                "{\"kind\":\"AdmissionReview\"}",
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"\"}}",
                review("CREATE", "Deployment", "apps", "\"not an object\"", null, null),
                review(
                        "CREATE",
                        "Deployment",
                        "apps",
                        "{\"spec\":{\"template\":{\"spec\":{\"containers\":\"many\"}}}}",
                        null,
                        null))) {
            AdmissionHandler.Reply reply = handler.handle(body.getBytes(StandardCharsets.UTF_8));
            assertThat(reply.status()).as(body).isEqualTo(400);
            assertThat(reply.body())
                    .startsWith("{\"error\":\"malformed AdmissionReview: ")
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void anAnswerNamesAtMostTwentyLinesAndCountsTheRest() throws Exception {
        for (int i = 0; i < 6; i++) { // six policies, four lines each (three containers and the ones past the cap)
            policy(Rule.Action.WARN, Rule.OnResolveError.WARN);
        }
        String many = "{\"containers\":["
                + java.util.stream.IntStream.range(0, 30)
                        .mapToObj(i -> "{\"name\":\"c" + i + "\",\"image\":\"reg.io/shop/down:" + i + "\"}")
                        .collect(java.util.stream.Collectors.joining(","))
                + "]}";
        String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"},\"spec\":" + many + "}";
        var warnings = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(handle(review("CREATE", "Pod", "", pod, null, null)))
                .at("/response/warnings");
        assertThat(warnings.size()).isEqualTo(AdmissionHandler.MAX_LINES + 1);
        assertThat(warnings.get(AdmissionHandler.MAX_LINES).asText()).isEqualTo("... and 4 more not shown (24 in all)");
    }

    @Test
    void atMostKeepsShortListsAsTheyAre() {
        assertThat(AdmissionHandler.atMost(2, List.of("a", "b"))).containsExactly("a", "b");
        assertThat(AdmissionHandler.atMost(2, List.of("a", "b", "c")))
                .containsExactly("a", "b", "... and 1 more not shown (3 in all)");
    }

    @Test
    void containersPastTheCapAreUnknownSoOnResolveErrorDecides() {
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.DENY);
        String many = "{\"containers\":["
                + String.join(",", java.util.Collections.nCopies(4, "{\"name\":\"c\",\"image\":\"" + SMALL + "\"}"))
                + "]}";
        String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"},\"spec\":" + many + "}";
        assertThat(handle(review("CREATE", "Pod", "", pod, null, null)))
                .contains("\"allowed\":false")
                .contains("not checked: the pod spec has 4 containers and at most 3 are checked");
        assertThat(fetches).as("the first three share one image: one lookup").hasValue(1);
    }

    @Test
    void anEnforcePolicyThatCannotBeUsedFailsClosedForWhatItGoverns() {
        unusable.add(new UnusablePolicy(
                new Rule(
                        Rule.NAMESPACED_KIND,
                        "shop",
                        "broken",
                        Rule.Action.ENFORCE,
                        Selector.EVERYTHING,
                        Selector.EVERYTHING,
                        new Limits(null, null, null),
                        List.of(),
                        List.of(),
                        List.of(),
                        Rule.OnResolveError.DENY),
                "spec.maxLayers: out of range"));
        assertThat(handle(review("CREATE", "Deployment", "apps", deployment(SMALL), null, null)))
                .contains("\"allowed\":false")
                .contains("ImageSizePolicy shop/broken cannot be used (spec.maxLayers: out of range); it asks for"
                        + " Enforce, so workloads it governs are denied until it is fixed");
        assertThat(fetches).as("no other policy: nothing to size").hasValue(0);
    }

    @Test
    void credentialsThatCouldNotBeReadAreNamedBesideTheAnswer() {
        policy(Rule.Action.ENFORCE, Rule.OnResolveError.DENY);
        credentialNotes.add("pull secret shop/regcred was not read in time; continued without it");
        assertThat(handle(review("CREATE", "Deployment", "apps", deployment(BIG), null, null)))
                .contains("\"allowed\":false")
                .contains("\"warnings\":[\"pull secret shop/regcred was not read in time; continued without it\"]");
        assertThat(handle(review("CREATE", "Deployment", "apps", deployment(SMALL), null, null)))
                .as("within budget: nothing to explain")
                .doesNotContain("warnings");
    }
}
