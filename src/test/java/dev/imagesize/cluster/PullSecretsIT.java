package dev.imagesize.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.Deadline;
import dev.imagesize.assessment.Credentials;
import dev.imagesize.image.ImageRef;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.SlowApiProxy;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.workload.Workload;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pull secrets read from the real API server: the workload's own namespace only, the kubelet's Secret types only, a
 * ServiceAccount's secrets too, at most 16 reads per workload, misses remembered briefly, and reads that outlive the
 * deadline named in the result while they still fill the cache.
 */
class PullSecretsIT {
    private static final String IMAGE = "reg.example/shop/app:1";
    private static TestCluster cluster;
    private static KubernetesClient client;
    private static String ns;
    private static String other;
    private static final ExecutorService reads = Executors.newFixedThreadPool(4);

    @BeforeAll
    static void secrets() {
        cluster = TestCluster.get();
        client = cluster.client();
        ns = Namespaces.create(client, "pull-secrets");
        other = Namespaces.create(client, "pull-secrets-other");
        client.resource(secret(ns, "regcred", PullSecrets.DOCKER_CONFIG_JSON)).create();
        client.resource(secret(ns, "opaque", "Opaque")).create();
        client.resource(new ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName("builder")
                        .withNamespace(ns)
                        .endMetadata()
                        .addNewImagePullSecret("regcred")
                        .build())
                .create();
    }

    @AfterAll
    static void cleanUp() {
        client.namespaces().withName(ns).delete();
        client.namespaces().withName(other).delete();
        reads.shutdownNow();
    }

    private static io.fabric8.kubernetes.api.model.Secret secret(String namespace, String name, String type) {
        String auth = Base64.getEncoder().encodeToString("bot:pa55".getBytes(StandardCharsets.UTF_8));
        return new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withType(type)
                .addToStringData(".dockerconfigjson", "{\"auths\":{\"reg.example\":{\"auth\":\"" + auth + "\"}}}")
                .build();
    }

    private static Workload workload(String namespace, List<String> pullSecrets, String serviceAccount) {
        return new Workload("Pod", namespace, "app", Map.of(), List.of(), pullSecrets, serviceAccount);
    }

    private static PullSecrets pullSecrets(KubernetesClient through, Duration negativeTtl) {
        return new PullSecrets(through, List.of(), 16, Duration.ofMinutes(1), negativeTtl, reads);
    }

    private static Credentials one(PullSecrets secrets, Workload workload, Duration within) {
        return secrets.forWorkloads(List.of(workload), Deadline.in(within)).get(0);
    }

    @Test
    void onlyTheWorkloadsOwnNamespaceAndTheKubeletsTypesCount() {
        PullSecrets secrets = pullSecrets(client, Duration.ofSeconds(5));
        Credentials own =
                one(secrets, workload(ns, List.of("regcred", "opaque", "missing"), "default"), Duration.ofSeconds(10));
        assertThat(own.config().credentialFor(ImageRef.parse(IMAGE))).isPresent();
        assertThat(own.notes())
                .containsExactly(
                        "pull secret " + ns + "/opaque is of type Opaque and was ignored (the kubelet uses only"
                                + " kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg)",
                        "pull secret " + ns + "/missing does not exist");

        Credentials elsewhere = one(secrets, workload(other, List.of("regcred"), "default"), Duration.ofSeconds(10));
        assertThat(elsewhere.config().credentialFor(ImageRef.parse(IMAGE)))
                .as("another namespace's Secret of the same name is never used")
                .isEmpty();

        Credentials viaAccount = one(secrets, workload(ns, List.of(), "builder"), Duration.ofSeconds(10));
        assertThat(viaAccount.config().credentialFor(ImageRef.parse(IMAGE))).isPresent();
    }

    @Test
    void atMostSixteenSecretsAreReadPerWorkload() throws Exception {
        try (SlowApiProxy proxy = SlowApiProxy.start(cluster, SlowApiProxy.SECRET_GETS, Duration.ZERO);
                KubernetesClient proxied = new KubernetesClientBuilder()
                        .withConfig(Config.fromKubeconfig(Files.readString(proxy.kubeconfig())))
                        .build()) {
            List<String> names =
                    IntStream.range(0, 5_000).mapToObj(i -> "s" + i).toList();
            Credentials credentials = one(
                    pullSecrets(proxied, Duration.ofSeconds(5)),
                    workload(ns, names, "default"),
                    Duration.ofSeconds(20));
            assertThat(proxy.delayed()).as("Secret GETs").isEqualTo(16);
            assertThat(credentials.notes()).contains("only the first 16 of 5000 pull secrets were used");
        }
    }

    @Test
    void aMissIsRememberedOnlyBriefly() {
        PullSecrets secrets = pullSecrets(client, Duration.ofSeconds(1));
        Workload later = workload(ns, List.of("later"), "default");
        assertThat(one(secrets, later, Duration.ofSeconds(10)).notes())
                .contains("pull secret " + ns + "/later does not exist");
        client.resource(secret(ns, "later", PullSecrets.DOCKER_CONFIG_JSON)).create();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                        one(secrets, later, Duration.ofSeconds(10)).config().credentialFor(ImageRef.parse(IMAGE)))
                .isPresent());
    }

    @Test
    void readsThatOutliveTheDeadlineAreNamedAndStillFillTheCache() throws Exception {
        try (SlowApiProxy proxy = SlowApiProxy.start(cluster, SlowApiProxy.SECRET_GETS, Duration.ofSeconds(2));
                KubernetesClient proxied = new KubernetesClientBuilder()
                        .withConfig(Config.fromKubeconfig(Files.readString(proxy.kubeconfig())))
                        .build()) {
            PullSecrets secrets = pullSecrets(proxied, Duration.ofSeconds(5));
            Workload app = workload(ns, List.of("regcred"), "default");
            long start = System.nanoTime();
            Credentials hurried = one(secrets, app, Duration.ofMillis(300));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("never waits past the deadline").isLessThan(Duration.ofSeconds(1));
            assertThat(hurried.config().credentialFor(ImageRef.parse(IMAGE))).isEmpty();
            assertThat(hurried.notes())
                    .contains("pull secret " + ns + "/regcred was not read in time; continued without it");

            List<Credentials> later = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Credentials again = one(secrets, app, Duration.ofMillis(50));
                assertThat(again.config().credentialFor(ImageRef.parse(IMAGE))).isPresent();
                later.add(again);
            });
            assertThat(proxy.delayed()).as("one read served both").isEqualTo(1);
        }
    }
}
