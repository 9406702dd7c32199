package dev.imagesize.registry;

import static dev.imagesize.registry.FakeRegistry.errorBody;
import static dev.imagesize.registry.FakeRegistry.send;
import static dev.imagesize.registry.FakeRegistry.sendManifest;
import static dev.imagesize.registry.FakeRegistry.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.imagesize.image.Layer;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.registry.FakeRegistry.Answer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link JibManifestSource} against an in-process registry that misbehaves in one way per test: every failure must come
 * out as a {@link RegistryFailure} with the kind a user acts on and a message that says what to do.
 */
class MisbehavingRegistryTest {
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String SCHEMA1_MANIFEST = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(3);

    private FakeRegistry fake;
    private String registry;
    /** Lets handlers that hang go as soon as the test is over. */
    private final CountDownLatch testOver = new CountDownLatch(1);
    /** Every manifest path the registry was asked for, to see the request reached it as meant. */
    private final List<String> manifestRequests = new CopyOnWriteArrayList<>();
    /** Every Authorization header the registry received. */
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopRegistry() throws InterruptedException {
        testOver.countDown();
        if (fake != null) {
            fake.close();
        }
    }

    /** Starts the fake registry: {@code /v2/} answers 200 (anonymous), manifest requests get {@code manifests}. */
    private void serve(Answer manifests) throws IOException {
        serve(exchange -> send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8)), manifests);
    }

    private void serve(Answer base, Answer manifests) throws IOException {
        fake = FakeRegistry.plainHttp(exchange -> {
            authorizations.addAll(exchange.getRequestHeaders().getOrDefault("Authorization", List.of()));
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                base.answer(exchange);
            } else if (path.startsWith("/v2/app/manifests/")) {
                manifestRequests.add(path);
                manifests.answer(exchange);
            } else {
                send(exchange, 404, "application/json", errorBody("NAME_UNKNOWN", "repository name not known"));
            }
        });
        registry = fake.address();
    }

    private ResolverConfig config(Duration httpTimeout) {
        ResolverConfig insecure = ResolverConfig.defaults().withInsecureRegistries(Set.of(registry));
        return new ResolverConfig(
                insecure.tagTtl(),
                insecure.failureTtl(),
                insecure.maxCachedManifests(),
                insecure.perRegistryConcurrency(),
                httpTimeout,
                insecure.maxManifestBytes(),
                insecure.threads(),
                insecure.insecureRegistries());
    }

    private ManifestSource.Repository repository(RegistryCredential credential) {
        return new ManifestSource.Repository(registry, "app", credential);
    }

    private ResolveError failure(String qualifier) {
        return failure(null, qualifier, HTTP_TIMEOUT);
    }

    /** Fetches a manifest that must fail, and only with a {@link RegistryFailure}. */
    private ResolveError failure(RegistryCredential credential, String qualifier, Duration httpTimeout) {
        JibManifestSource source = new JibManifestSource(config(httpTimeout));
        Throwable thrown = catchThrowable(() -> source.fetchManifest(repository(credential), qualifier));
        assertThat(thrown).isInstanceOf(RegistryFailure.class);
        ResolveError error = ((RegistryFailure) thrown).error();
        assertThat(thrown).hasMessage(error.message());
        return error;
    }

    @Test
    void validManifestByTagHasItsExactSizesAndTheDigestOfTheBytesServed() throws Exception {
        byte[] manifest = FakeRegistry.ociManifest(1_234, new long[] {10_000, 2_500_000, 7}, 0);
        serve(exchange -> sendManifest(exchange, OCI_MANIFEST, manifest));

        Manifest fetched = new JibManifestSource(config(HTTP_TIMEOUT)).fetchManifest(repository(null), "v1");

        assertThat(fetched).isInstanceOfSatisfying(Manifest.Image.class, image -> {
            assertThat(image.digest()).isEqualTo(sha256(manifest));
            assertThat(image.mediaType()).isEqualTo(OCI_MANIFEST);
            assertThat(image.configDigest()).isEqualTo(FakeRegistry.fakeDigest('c'));
            assertThat(image.configSizeBytes()).isEqualTo(1_234);
            assertThat(image.layers()).extracting(Layer::sizeBytes).containsExactly(10_000L, 2_500_000L, 7L);
            assertThat(image.layers())
                    .extracting(Layer::digest)
                    .containsExactly(
                            FakeRegistry.fakeDigest('1'), FakeRegistry.fakeDigest('2'), FakeRegistry.fakeDigest('3'));
        });
        assertThat(manifestRequests).contains("/v2/app/manifests/v1");
    }

    @Test
    void rateLimitInSecondsIsRateLimitedWithItsRetryAfter() throws Exception {
        serve(exchange -> {
            exchange.getResponseHeaders().set("Retry-After", "7");
            send(exchange, 429, "application/json", errorBody("TOOMANYREQUESTS", "slow down"));
        });

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.RATE_LIMITED);
        assertThat(error.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(error.message()).contains("registry " + registry).contains("HTTP 429");
    }

    @Test
    void rateLimitWithAnHttpDateIsRateLimitedUntilThatDate() throws Exception {
        String in30Seconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
        serve(exchange -> {
            exchange.getResponseHeaders().set("Retry-After", in30Seconds);
            send(exchange, 429, "application/json", errorBody("TOOMANYREQUESTS", "slow down"));
        });

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.RATE_LIMITED);
        assertThat(error.retryAfter()).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(31));
        assertThat(error.message()).contains("registry " + registry);
    }

    @Test
    void manifestByDigestWhoseBytesHashToAnotherDigestIsRefused() throws Exception {
        byte[] manifest = FakeRegistry.ociManifest(100, new long[] {200}, 0);
        String asked = FakeRegistry.fakeDigest('d');
        serve(exchange -> {
            // the registry even claims the digest asked for; only the bytes can be trusted
            exchange.getResponseHeaders().set("Docker-Content-Digest", asked);
            send(exchange, 200, OCI_MANIFEST, manifest);
        });

        ResolveError error = failure(asked);

        assertThat(manifestRequests).contains("/v2/app/manifests/" + asked);
        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message()).contains("digest").contains(asked).contains(sha256(manifest));
    }

    @Test
    void manifestOverTheSizeLimitIsRefusedQuickly() throws Exception {
        int fiveMiB = 5 * 1024 * 1024;
        byte[] empty = FakeRegistry.ociManifest(100, new long[] {200}, 1);
        byte[] manifest = FakeRegistry.ociManifest(100, new long[] {200}, fiveMiB - empty.length + 1);
        assertThat(manifest).hasSize(fiveMiB);
        serve(exchange -> sendManifest(exchange, OCI_MANIFEST, manifest));

        long start = System.nanoTime();
        ResolveError error = failure("v1");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message()).contains(Long.toString(fiveMiB)).contains(ResolverConfig.FOUR_MIB + "-byte limit");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void dockerSchema1IsUnsupportedAndSaysHowToFixIt() throws Exception {
        String schema1 = "{\"schemaVersion\":1,\"name\":\"app\",\"tag\":\"v1\",\"architecture\":\"amd64\","
                + "\"fsLayers\":[{\"blobSum\":\"" + FakeRegistry.fakeDigest('a') + "\"}],"
                + "\"history\":[{\"v1Compatibility\":\"{\\\"id\\\":\\\"" + "e".repeat(64) + "\\\"}\"}]}";
        serve(exchange -> sendManifest(exchange, SCHEMA1_MANIFEST, schema1.getBytes(StandardCharsets.UTF_8)));

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.UNSUPPORTED);
        assertThat(error.message())
                .contains("Docker schema 1")
                .contains(registry + "/app:v1")
                .contains("push the image again");
    }

    @Test
    void unknownManifestIsNotFound() throws Exception {
        serve(exchange -> send(exchange, 404, "application/json", errorBody("MANIFEST_UNKNOWN", "manifest unknown")));

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.NOT_FOUND);
        assertThat(error.message()).contains(registry + "/app:v1").contains("not found");
    }

    @Test
    void basicAuthWithoutCredentialsAsksForAPullSecret() throws Exception {
        Answer unauthorized = exchange -> {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"x\"");
            send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "authentication required"));
        };
        serve(unauthorized, unauthorized);

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(error.message())
                .contains("without credentials")
                .contains("pull secret for " + registry)
                .contains("never sent over plain HTTP")
                .contains("serve " + registry + " over HTTPS");
    }

    @Test
    void credentialsForAPlainHttpRegistryAreNotSentAndTheMessageSaysSoWithoutThePassword() throws Exception {
        Answer unauthorized = exchange -> {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"x\"");
            send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "authentication required"));
        };
        serve(unauthorized, unauthorized);
        String password = "s3cret-Pa55word";

        ResolveError error = failure(new RegistryCredential("robot", password), "v1", HTTP_TIMEOUT);

        assertThat(error.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(authorizations)
                .as("jib never sends credentials over plain HTTP")
                .isEmpty();
        assertThat(error.message())
                .contains("registry " + registry)
                .contains("were not sent")
                .contains("serve " + registry + " over HTTPS")
                .doesNotContain("check the pull secret")
                .doesNotContain(password);
    }

    @Test
    void serverErrorIsARegistryErrorNamingTheStatus() throws Exception {
        serve(exchange -> send(exchange, 500, "text/plain", "boom".getBytes(StandardCharsets.UTF_8)));

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.REGISTRY_ERROR);
        assertThat(error.message())
                .contains("registry " + registry)
                .contains("HTTP 500")
                .contains("app:v1");
    }

    @Test
    void garbageManifestIsABadResponseNotAnException() throws Exception {
        serve(exchange -> send(exchange, 200, "application/json", "not json".getBytes(StandardCharsets.UTF_8)));

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message())
                .contains("registry " + registry)
                .contains(registry + "/app:v1")
                .contains("not valid JSON");
    }

    @Test
    void jsonOfAnUnknownSchemaVersionIsUnsupported() throws Exception {
        serve(exchange ->
                send(exchange, 200, "application/json", "{\"schemaVersion\":3}".getBytes(StandardCharsets.UTF_8)));

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.UNSUPPORTED);
        assertThat(error.message()).contains(registry + "/app:v1").contains("schemaVersion");
    }

    @Test
    void registryThatNeverAnswersTimesOut() throws Exception {
        serve(exchange -> {
            try {
                testOver.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Duration timeout = Duration.ofSeconds(1);

        long start = System.nanoTime();
        ResolveError error = failure(null, "v1", timeout);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(manifestRequests)
                .as("the manifest request reached the silent handler")
                .isNotEmpty();
        assertThat(error.kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(error.message()).contains("registry " + registry).contains("did not answer in time");
        assertThat(took).isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plusSeconds(1));
    }

    @Test
    void closedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        registry = "127.0.0.1:" + port;

        long start = System.nanoTime();
        ResolveError error = failure("v1");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(error.kind()).isEqualTo(Kind.UNREACHABLE);
        assertThat(error.message()).contains("registry " + registry).contains("unreachable");
        assertThat(took).isLessThan(Duration.ofSeconds(2));
    }
}
