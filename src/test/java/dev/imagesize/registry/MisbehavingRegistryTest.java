package dev.imagesize.registry;

import static dev.imagesize.testing.FakeRegistry.errorBody;
import static dev.imagesize.testing.FakeRegistry.send;
import static dev.imagesize.testing.FakeRegistry.sendChunked;
import static dev.imagesize.testing.FakeRegistry.sendManifest;
import static dev.imagesize.testing.FakeRegistry.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.Deadline;
import dev.imagesize.image.Layer;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.registry.ClientAllocations.Measured;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import dev.imagesize.registry.http.AddressGuard;
import dev.imagesize.registry.http.Cidr;
import dev.imagesize.testing.FakeRegistry;
import dev.imagesize.testing.FakeRegistry.Answer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistryClient} against an in-process registry that misbehaves in one way per test: every failure must come
 * out as a {@link RegistryFailure} with the kind a user acts on and a message that says what to do; hostile answers
 * (hundreds of MiB, tens of thousands of layers or entries, a drip of bytes, redirects and realms pointing at metadata
 * addresses or downgrading to plain HTTP) must end within the deadline, having allocated less than 16 MiB on the
 * client side, and without the message echoing anything the registry sent.
 */
class MisbehavingRegistryTest {
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    private static final String SCHEMA1_MANIFEST = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    private static final long TWO_HUNDRED_MIB = 200L * 1024 * 1024;
    private static final long SIXTEEN_MIB = 16L * 1024 * 1024;
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private FakeRegistry fake;
    private String registry;
    /** Lets handlers that hang go as soon as the test is over. */
    private final CountDownLatch testOver = new CountDownLatch(1);
    /** Every manifest path the registry was asked for, to see the request reached it as meant. */
    private final List<String> manifestRequests = new CopyOnWriteArrayList<>();
    /** Every Authorization header the registry received. */
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    /** Bytes a streaming handler wrote before the client hung up. */
    private final AtomicLong written = new AtomicLong();

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
        fake = FakeRegistry.plainHttp(route(base, manifests));
        registry = fake.address();
    }

    private Answer route(Answer base, Answer manifests) {
        return exchange -> {
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
        };
    }

    private ResolverConfig config() {
        return ResolverConfig.defaults().withInsecureRegistries(Set.of(registry));
    }

    private RegistryClient client(ResolverConfig config) {
        return RegistryClient.create(config);
    }

    private ManifestSource.Repository repository(RegistryCredential credential) {
        return new ManifestSource.Repository(registry, "app", credential);
    }

    private static RequestContext context(Duration deadline) {
        return new RequestContext(Priority.ADMISSION, Deadline.in(deadline), Runnable::run);
    }

    private ResolveError failure(String reference) throws Exception {
        return failure(null, reference, config(), DEADLINE);
    }

    /** Fetches a manifest that must fail, and only with a {@link RegistryFailure}. */
    private ResolveError failure(
            RegistryCredential credential, String reference, ResolverConfig config, Duration deadline)
            throws Exception {
        try (RegistryClient client = client(config)) {
            return failure(client.manifest(repository(credential), reference, context(deadline)));
        }
    }

    private static ResolveError failure(CompletableFuture<?> call) throws InterruptedException {
        try {
            Object value = call.get(60, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(RegistryFailure.class);
            ResolveError error = ((RegistryFailure) e.getCause()).error();
            assertThat(e.getCause()).hasMessage(error.message());
            return error;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the call did not end within 60 s");
        }
    }

    /** A hostile case: fails within the deadline (a few seconds of slack for a loaded machine), under 16 MiB. */
    private ResolveError boundedFailure(java.util.function.Supplier<CompletableFuture<?>> call) throws Exception {
        Measured<ResolveError> measured = ClientAllocations.measure(() -> failure(call.get()));
        String test = StackWalker.getInstance().walk(frames -> frames.map(StackWalker.StackFrame::getMethodName)
                .filter(name -> !name.startsWith("bounded") && !name.startsWith("lambda"))
                .findFirst()
                .orElse("?"));
        System.out.printf(
                "%s: %s, %.1f MiB allocated, %d ms%n",
                test, measured.value().kind(), measured.allocatedBytes() / 1048576.0, measured.nanos() / 1_000_000);
        assertThat(Duration.ofNanos(measured.nanos()))
                .as("ended within the deadline")
                .isLessThan(DEADLINE.plusSeconds(3));
        assertThat(measured.allocatedBytes())
                .as("bytes allocated on the client side")
                .isLessThan(SIXTEEN_MIB);
        return measured.value();
    }

    private ResolveError boundedManifestFailure(ResolverConfig config) throws Exception {
        try (RegistryClient client = client(config)) {
            warmUp(client);
            return boundedFailure(() -> client.manifest(repository(null), "v1", context(DEADLINE)));
        }
    }

    /** One ordinary request first, so the measured call pays neither class loading nor the JIT. */
    private void warmUp(RegistryClient client) throws Exception {
        client.manifest(repository(null), "warm-up", context(DEADLINE))
                .handle((ok, error) -> null)
                .get(60, TimeUnit.SECONDS);
        manifestRequests.clear();
    }

    // ---- well-behaved answers and ordinary errors

    @Test
    void validManifestByTagHasItsExactSizesAndTheDigestOfTheBytesServed() throws Exception {
        byte[] manifest = FakeRegistry.ociManifest(1_234, new long[] {10_000, 2_500_000, 7}, 0);
        serve(exchange -> sendManifest(exchange, OCI_MANIFEST, manifest));

        Manifest fetched;
        try (RegistryClient client = client(config())) {
            fetched = client.manifest(repository(null), "v1", context(DEADLINE)).get();
        }

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
    void aSha512ReferenceIsVerifiedWithSha512() throws Exception {
        byte[] manifest = FakeRegistry.ociManifest(100, new long[] {200}, 0);
        String sha512 = "sha512:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(manifest));
        serve(exchange -> sendManifest(exchange, OCI_MANIFEST, manifest));

        Manifest fetched;
        try (RegistryClient client = client(config())) {
            fetched =
                    client.manifest(repository(null), sha512, context(DEADLINE)).get();
        }

        assertThat(fetched.digest()).isEqualTo(sha512);
        assertThat(manifestRequests).containsExactly("/v2/app/manifests/" + sha512);
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
    void manifestDeclaredOverTheSizeLimitIsRefusedBeforeItIsRead() throws Exception {
        int fiveMiB = 5 * 1024 * 1024;
        byte[] empty = FakeRegistry.ociManifest(100, new long[] {200}, 1);
        byte[] manifest = FakeRegistry.ociManifest(100, new long[] {200}, fiveMiB - empty.length + 1);
        assertThat(manifest).hasSize(fiveMiB);
        serve(exchange -> sendManifest(exchange, OCI_MANIFEST, manifest));

        ResolveError error = boundedManifestFailure(config());

        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message()).contains(Long.toString(fiveMiB)).contains(ResolverConfig.FOUR_MIB + "-byte limit");
    }

    @Test
    void negativeAndOverflowingSizesAreBadResponses() throws Exception {
        byte[] negative = FakeRegistry.ociManifest(100, new long[] {-5}, 0);
        byte[] overflowing = FakeRegistry.ociManifest(100, new long[] {1L << 62, 1L << 62}, 0);
        serve(exchange -> sendManifest(
                exchange, OCI_MANIFEST, exchange.getRequestURI().getPath().endsWith("v1") ? negative : overflowing));

        assertThat(failure("v1")).satisfies(error -> {
            assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
            assertThat(error.message()).contains("size is negative");
        });
        assertThat(failure("v2")).satisfies(error -> {
            assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
            assertThat(error.message()).contains("add up to more than 8 EiB");
        });
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

        ResolveError error = failure(new RegistryCredential("robot", password), "v1", config(), DEADLINE);

        assertThat(error.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(authorizations)
                .as("credentials are never sent over plain HTTP unless allowed")
                .isEmpty();
        assertThat(error.message())
                .contains("registry " + registry)
                .contains("were not sent")
                .contains("serve " + registry + " over HTTPS")
                .contains("imagesize.registry.plain-http-credentials")
                .doesNotContain("check the pull secret")
                .doesNotContain(password);
    }

    @Test
    void credentialsGoOverPlainHttpToAnInsecureRegistryThatIsAllowedForThem() throws Exception {
        String basic = "Basic "
                + java.util.Base64.getEncoder().encodeToString("robot:s3cret".getBytes(StandardCharsets.UTF_8));
        byte[] manifest = FakeRegistry.ociManifest(100, new long[] {200}, 0);
        Answer guarded = exchange -> {
            if (basic.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                if (exchange.getRequestURI().getPath().equals("/v2/")) {
                    send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
                } else {
                    sendManifest(exchange, OCI_MANIFEST, manifest);
                }
            } else {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"x\"");
                send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "authentication required"));
            }
        };
        serve(guarded, guarded);
        ResolverConfig allowed =
                config().toBuilder().plainHttpCredentials(Set.of(registry)).build();

        Manifest fetched;
        try (RegistryClient client = client(allowed)) {
            fetched = client.manifest(repository(new RegistryCredential("robot", "s3cret")), "v1", context(DEADLINE))
                    .get();
        }

        assertThat(fetched.digest()).isEqualTo(sha256(manifest));
        assertThat(authorizations).contains(basic);
    }

    @Test
    void serverErrorIsARegistryErrorNamingTheStatusNotTheBody() throws Exception {
        serve(exchange -> send(exchange, 500, "text/plain", "boom: secret internals".getBytes(StandardCharsets.UTF_8)));

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.REGISTRY_ERROR);
        assertThat(error.message())
                .contains("registry " + registry)
                .contains("HTTP 500")
                .contains("app:v1")
                .doesNotContain("boom")
                .doesNotContain("internals");
    }

    @Test
    void garbageManifestIsABadResponseThatQuotesNothingOfIt() throws Exception {
        serve(exchange ->
                send(exchange, 200, "application/json", "not json but a role name".getBytes(StandardCharsets.UTF_8)));

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message())
                .contains("registry " + registry)
                .contains(registry + "/app:v1")
                .contains("not a valid JSON manifest")
                .doesNotContain("role");
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
    void registryThatNeverAnswersTimesOutAtTheDeadline() throws Exception {
        serve(exchange -> {
            try {
                testOver.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        ResolveError error;
        try (RegistryClient client = client(config())) {
            warmUp(client); // the silent handler answers no request: the warm-up times out too
            error = boundedFailure(() -> client.manifest(repository(null), "v1", context(DEADLINE)));
        }

        assertThat(manifestRequests)
                .as("the manifest request reached the silent handler")
                .isNotEmpty();
        assertThat(error.kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(error.message()).contains("registry " + registry).contains("did not answer in time");
    }

    @Test
    void aPlainHttpRegistryThatIgnoresTheTlsHandshakeIsReachedOverHttpAfterAShortProbe() throws Exception {
        byte[] manifest = FakeRegistry.ociManifest(100, new long[] {200}, 0);
        fake = FakeRegistry.plainHttpSilentOnTls(route(
                exchange -> send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8)),
                exchange -> sendManifest(exchange, OCI_MANIFEST, manifest)));
        registry = fake.address();
        ResolverConfig config =
                config().toBuilder().httpTimeout(Duration.ofSeconds(2)).build();

        Manifest fetched;
        try (RegistryClient client = client(config)) {
            fetched = client.manifest(repository(null), "v1", context(DEADLINE)).get(30, TimeUnit.SECONDS);
        }

        assertThat(fetched.digest()).isEqualTo(sha256(manifest));
    }

    @Test
    void closedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        registry = "127.0.0.1:" + port;

        ResolveError error = failure("v1");

        assertThat(error.kind()).isEqualTo(Kind.UNREACHABLE);
        assertThat(error.message()).contains("registry " + registry).contains("unreachable");
    }

    // ---- hostile answers: each bounded in time and memory

    @Test
    void chunkedManifestOf200MiBIsRefusedWhileItStreams() throws Exception {
        serve(exchange -> {
            if (exchange.getRequestURI().getPath().endsWith("warm-up")) {
                send(exchange, 404, "application/json", errorBody("MANIFEST_UNKNOWN", "manifest unknown"));
            } else {
                written.set(sendChunked(exchange, 200, OCI_MANIFEST, TWO_HUNDRED_MIB));
            }
        });

        ResolveError error = boundedManifestFailure(config());

        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message())
                .contains("registry " + registry)
                .contains(registry + "/app:v1")
                .contains("larger than the " + ResolverConfig.FOUR_MIB + "-byte limit");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(written.get())
                .as("the registry stopped writing when the client hung up")
                .isPositive()
                .isLessThan(TWO_HUNDRED_MIB));
    }

    @Test
    void notFoundWithA200MiBBodyIsNotFoundAfterReadingItsStart() throws Exception {
        serve(exchange -> written.set(sendChunked(exchange, 404, "application/json", TWO_HUNDRED_MIB)));

        ResolveError error = boundedManifestFailure(config());

        assertThat(error.kind()).isEqualTo(Kind.NOT_FOUND);
        assertThat(error.message()).contains(registry + "/app:v1").contains("not found");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(written.get()).isPositive().isLessThan(TWO_HUNDRED_MIB));
    }

    @Test
    void unauthorizedWithA200MiBBodyOnTheApiCheckIsUnauthorized() throws Exception {
        Answer unauthorized = exchange -> {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"x\"");
            written.addAndGet(sendChunked(exchange, 401, "application/json", TWO_HUNDRED_MIB));
        };
        serve(unauthorized, unauthorized);

        ResolveError error;
        try (RegistryClient client = client(config())) {
            error = boundedFailure(() -> client.manifest(repository(null), "v1", context(DEADLINE)));
        }

        assertThat(error.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(error.message()).contains("registry " + registry).contains("without credentials");
    }

    @Test
    void manifestOf40000LayersIsRefusedWithoutKeepingThem() throws Exception {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST
                + "\",\"config\":{\"mediaType\":\"a\",\"digest\":\"" + FakeRegistry.fakeDigest('c')
                + "\",\"size\":1},\"layers\":[");
        for (int i = 0; i < 40_000; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"digest\":\"sha256:")
                    .append(String.format("%064x", i))
                    .append("\",\"size\":1}");
        }
        byte[] manifest = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        assertThat((long) manifest.length).isLessThan(ResolverConfig.FOUR_MIB);
        serve(exchange -> sendManifest(exchange, OCI_MANIFEST, manifest));

        ResolveError error = boundedManifestFailure(config());

        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message()).contains(registry + "/app:v1").contains("more than 1000 layers");
    }

    @Test
    void indexOf20000EntriesIsRefusedWithoutOneChildRequest() throws Exception {
        StringBuilder json =
                new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[");
        for (int i = 0; i < 20_000; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"sha256:")
                    .append(String.format("%064x", i))
                    .append("\",\"size\":1,\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\"}}");
        }
        byte[] index = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        assertThat((long) index.length).isLessThan(ResolverConfig.FOUR_MIB);
        serve(exchange -> sendManifest(exchange, OCI_INDEX, index));

        ResolveError error = boundedManifestFailure(config());

        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message()).contains(registry + "/app:v1").contains("more than 1000 entries");
        assertThat(manifestRequests).containsExactly("/v2/app/manifests/v1");
    }

    @Test
    void slowDripOfOneBytePerFiveSecondsEndsAtTheDeadlineAndClosesTheConnection() throws Exception {
        CountDownLatch dripStopped = new CountDownLatch(1);
        serve(exchange -> {
            if (exchange.getRequestURI().getPath().endsWith("warm-up")) {
                send(exchange, 404, "application/json", errorBody("MANIFEST_UNKNOWN", "manifest unknown"));
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", OCI_MANIFEST);
            exchange.sendResponseHeaders(200, 1_000);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 1_000 && testOver.getCount() > 0; i++) {
                    out.write('{');
                    out.flush();
                    written.incrementAndGet();
                    testOver.await(5, TimeUnit.SECONDS);
                }
            } catch (IOException closedByTheClient) {
                dripStopped.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        ResolveError error = boundedManifestFailure(config());

        assertThat(error.kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(error.message()).contains("registry " + registry).contains("did not answer in time");
        assertThat(dripStopped.await(15, TimeUnit.SECONDS))
                .as("the registry's next byte found the connection closed")
                .isTrue();
        assertThat(written.get()).isLessThan(5);
    }

    @Test
    void manifestRedirectToTheMetadataAddressIsNotFollowed() throws Exception {
        serve(exchange -> {
            exchange.getResponseHeaders().set("Location", "http://169.254.169.254/latest/meta-data/");
            send(exchange, 302, "text/plain", new byte[0]);
        });

        ResolveError error = boundedManifestFailure(config());

        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message())
                .contains("registry " + fake.address().split(":")[0])
                .contains("redirected to another host (169.254.169.254)");
    }

    @Test
    void blobRedirectToTheMetadataAddressIsBlocked() throws Exception {
        fake = FakeRegistry.plainHttp(exchange -> {
            if (exchange.getRequestURI().getPath().equals("/v2/")) {
                send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else {
                exchange.getResponseHeaders().set("Location", "https://169.254.169.254/latest/meta-data/iam");
                send(exchange, 307, "text/plain", new byte[0]);
            }
        });
        registry = fake.address();

        ResolveError error;
        try (RegistryClient client = client(config())) {
            error = boundedFailure(() -> client.blob(
                    repository(null),
                    FakeRegistry.fakeDigest('c'),
                    RegistryClient.MAX_CONFIG_BYTES,
                    context(DEADLINE)));
        }

        assertThat(error.kind()).isEqualTo(Kind.UNREACHABLE);
        assertThat(error.message()).contains("169.254.169.254").contains("blocked network (169.254.0.0/16)");
    }

    @Test
    void redirectFromHttpsToHttpIsNeverFollowed() throws Exception {
        fake = FakeRegistry.https(exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else {
                exchange.getResponseHeaders()
                        .set(
                                "Location",
                                "http://" + exchange.getLocalAddress().getHostString() + ":"
                                        + exchange.getLocalAddress().getPort() + "/v2/app/manifests/plain");
                send(exchange, 301, "text/plain", new byte[0]);
            }
        });
        registry = fake.address();
        Path ca = Files.createTempFile("fake-registry-ca", ".pem");
        Files.writeString(ca, fake.caPem());
        ResolverConfig trusted =
                ResolverConfig.defaults().toBuilder().caFiles(List.of(ca)).build();

        ResolveError error;
        try (RegistryClient client = client(trusted)) {
            error = boundedFailure(() -> client.manifest(repository(null), "v1", context(DEADLINE)));
        }

        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message()).contains("redirected from https to http, which is never followed");
    }

    @Test
    void bearerRealmOnTheMetadataAddressIsBlocked() throws Exception {
        Answer challenge = exchange -> {
            exchange.getResponseHeaders()
                    .set("WWW-Authenticate", "Bearer realm=\"http://169.254.169.254/token\",service=\"x\"");
            send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "authentication required"));
        };
        serve(challenge, challenge);

        ResolveError blocked;
        try (RegistryClient client = client(config())) {
            blocked = boundedFailure(() -> client.manifest(repository(null), "v1", context(DEADLINE)));
        }
        assertThat(blocked.kind()).isEqualTo(Kind.UNREACHABLE);
        assertThat(blocked.message())
                .contains("the token realm of registry")
                .contains("169.254.169.254")
                .contains("blocked network");

        // with no blocked networks at all, link-local is still refused for a registry on loopback
        ResolveError linkLocal = failure(
                null, "v1", config().toBuilder().blockedNetworks(List.of()).build(), DEADLINE);
        assertThat(linkLocal.kind()).isEqualTo(Kind.UNREACHABLE);
        assertThat(linkLocal.message())
                .contains("169.254.169.254")
                .contains("on a link-local address, which is refused unless the registry itself is on one");
    }

    @Test
    void aHostNameThatResolvesIntoABlockedNetworkIsNeverContacted() throws Exception {
        AddressGuard guard = new AddressGuard(
                List.of(Cidr.parse("169.254.0.0/16")),
                host -> host.equals("metadata.internal")
                        ? new InetAddress[] {InetAddress.getByName("169.254.169.254")}
                        : InetAddress.getAllByName(host));
        registry = "metadata.internal";

        ResolveError error;
        try (RegistryClient client = new RegistryClient(config(), RequestListener.NONE, guard)) {
            error = boundedFailure(() -> client.manifest(repository(null), "v1", context(DEADLINE)));
        }

        assertThat(error.kind()).isEqualTo(Kind.UNREACHABLE);
        assertThat(error.message())
                .isEqualTo("registry host metadata.internal is on a blocked network (169.254.0.0/16)");
    }

    @Test
    void aRegistryElsewhereCannotRedirectBlobsToLoopback() throws Exception {
        AtomicInteger canaryHits = new AtomicInteger();
        try (FakeRegistry canary = FakeRegistry.https(exchange -> {
            canaryHits.incrementAndGet();
            send(exchange, 200, "application/octet-stream", "{}".getBytes(StandardCharsets.UTF_8));
        })) {
            fake = FakeRegistry.plainHttpOn(nonLoopbackAddress(), exchange -> {
                if (exchange.getRequestURI().getPath().equals("/v2/")) {
                    send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
                } else {
                    exchange.getResponseHeaders().set("Location", "https://" + canary.address() + "/blob");
                    send(exchange, 302, "text/plain", new byte[0]);
                }
            });
            registry = fake.address();

            ResolveError error;
            try (RegistryClient client = client(config())) {
                error = boundedFailure(() -> client.blob(
                        repository(null),
                        FakeRegistry.fakeDigest('c'),
                        RegistryClient.MAX_CONFIG_BYTES,
                        context(DEADLINE)));
            }

            assertThat(error.kind()).isEqualTo(Kind.UNREACHABLE);
            assertThat(error.message())
                    .contains("a redirect of registry")
                    .contains("on a loopback address, which is refused unless the registry itself is on one");
            assertThat(canaryHits).as("the loopback canary was never contacted").hasValue(0);
        }
    }

    /** An address of this machine that is not loopback (the registry "elsewhere"); every CI machine has one. */
    private static String nonLoopbackAddress() throws IOException {
        for (NetworkInterface network : NetworkInterface.networkInterfaces().toList()) {
            if (!network.isUp() || network.isLoopback()) {
                continue;
            }
            for (InetAddress address : network.inetAddresses().toList()) {
                if (address instanceof Inet4Address && !address.isLinkLocalAddress()) {
                    return address.getHostAddress();
                }
            }
        }
        throw new IllegalStateException("this machine has no non-loopback IPv4 address to serve the registry on");
    }
}
