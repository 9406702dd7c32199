package dev.imagesize.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The resolver against the real Distribution registry: plain, TLS + htpasswd, indexes, moving tags, load. */
class ResolverIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final PlatformSelection AMD64 = PlatformSelection.of(Platform.LINUX_AMD64);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalRegistry plain;
    private static LocalRegistry tls;
    private static ImageSizeResolver resolver;

    @BeforeAll
    static void registries() {
        plain = LocalRegistry.sharedPlain();
        tls = LocalRegistry.sharedTls();
        resolver = newResolver(ResolverConfig.defaults());
    }

    @AfterAll
    static void closeResolver() {
        resolver.close();
    }

    private static ImageSizeResolver newResolver(ResolverConfig config) {
        return ImageSizeResolver.forRegistries(config.withInsecureRegistries(Set.of(plain.hostPort())));
    }

    private static ResolveResult.Sized sized(ResolveResult result) {
        assertThat(result).as(result.toString()).isInstanceOf(ResolveResult.Sized.class);
        return (ResolveResult.Sized) result;
    }

    /** Independent arithmetic: config + layers summed from what skopeo reads, not from our code. */
    private static long skopeoSize(LocalRegistry registry, String reference) throws Exception {
        JsonNode manifest = JSON.readTree(TestImages.skopeoInspectRaw(registry, reference));
        long size = manifest.path("config").path("size").asLong();
        for (JsonNode layer : manifest.path("layers")) {
            size += layer.path("size").asLong();
        }
        return size;
    }

    @Test
    void dockerAndOciImagesHaveTheirExactSizes() throws Exception {
        Pushed docker = TestImages.push(plain, "exact/docker", "v1", Format.DOCKER, 1_000_003, 250_000, 17);
        Pushed oci = TestImages.push(plain, "exact/oci", "v1", Format.OCI, 2_000_000, 1);

        for (Pushed pushed : List.of(docker, oci)) {
            ResolveResult.Sized result = sized(resolver.resolve(ImageRef.parse(pushed.reference()), AMD64, null, WAIT));
            ImageSize size = result.sizes().get(0);
            assertThat(size.compressedSizeBytes()).isEqualTo(pushed.compressedSize());
            assertThat(size.compressedSizeBytes()).isEqualTo(skopeoSize(plain, pushed.reference()));
            assertThat(size.manifestDigest()).isEqualTo(pushed.digest());
            assertThat(size.layers()).extracting(l -> l.sizeBytes()).containsExactlyElementsOf(pushed.layerSizes());
            assertThat(size.platform()).isEqualTo(Platform.LINUX_AMD64);
        }
        ImageSize ociSize = sized(resolver.resolve(ImageRef.parse(oci.reference()), AMD64, null, WAIT))
                .sizes()
                .get(0);
        assertThat(ociSize.layers())
                .allSatisfy(l -> assertThat(l.mediaType()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip"));
    }

    @Test
    void byDigestGivesTheSameImage() {
        Pushed pushed = TestImages.push(plain, "exact/bydigest", "v1", Format.OCI, 4096, 8192);
        ResolveResult.Sized result = sized(resolver.resolve(ImageRef.parse(pushed.byDigest()), AMD64, null, WAIT));
        assertThat(result.sizes().get(0).compressedSizeBytes()).isEqualTo(pushed.compressedSize());
        assertThat(result.sizes().get(0).manifestDigest()).isEqualTo(pushed.digest());
    }

    @Test
    void multiPlatformIndexPicksPlatformsAndVariantsAndSkipsTheAttestation() throws Exception {
        Pushed amd =
                TestImages.push(plain, "multi/app", "amd", Format.OCI, Platform.parse("linux/amd64"), 100_000, 200_000);
        Pushed arm64 =
                TestImages.push(plain, "multi/app", "arm64", Format.OCI, Platform.parse("linux/arm64/v8"), 300_000);
        Pushed v7 = TestImages.push(plain, "multi/app", "v7", Format.OCI, Platform.parse("linux/arm/v7"), 70_000);
        Pushed v6 = TestImages.push(plain, "multi/app", "v6", Format.OCI, Platform.parse("linux/arm/v6"), 60_000);
        String indexDigest = TestImages.pushIndex(plain, "multi/app", "1.0", true, true, List.of(amd, arm64, v7, v6));
        ImageRef ref = ImageRef.parse(plain.hostPort() + "/multi/app:1.0");

        ResolveResult.Sized wanted = sized(resolver.resolve(
                ref,
                PlatformSelection.of(
                        Platform.parse("linux/arm/v7"), Platform.parse("linux/arm64"), Platform.parse("linux/s390x")),
                null,
                WAIT));
        assertThat(wanted.sizes()).extracting(ImageSize::manifestDigest).containsExactly(v7.digest(), arm64.digest());
        assertThat(wanted.sizes())
                .extracting(ImageSize::compressedSizeBytes)
                .containsExactly(v7.compressedSize(), arm64.compressedSize());
        assertThat(wanted.sizes()).allSatisfy(s -> assertThat(s.indexDigest()).isEqualTo(indexDigest));
        assertThat(wanted.missingPlatforms()).containsExactly(Platform.parse("linux/s390x"));

        ResolveResult.Sized all = sized(resolver.resolve(ref, PlatformSelection.allPlatforms(), null, WAIT));
        assertThat(all.sizes()).hasSize(4); // the attestation is not an image
        assertThat(all.availablePlatforms())
                .extracting(Platform::toString)
                .containsExactly("linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/arm/v6");
        for (ImageSize size : all.sizes()) {
            assertThat(size.compressedSizeBytes())
                    .isEqualTo(skopeoSize(plain, plain.hostPort() + "/multi/app@" + size.manifestDigest()));
        }

        String dockerList = TestImages.pushIndex(
                plain,
                "multi/list",
                "1.0",
                false,
                false,
                List.of(
                        TestImages.push(
                                plain, "multi/list", "amd", Format.DOCKER, Platform.parse("linux/amd64"), 5_000),
                        TestImages.push(
                                plain, "multi/list", "arm64", Format.DOCKER, Platform.parse("linux/arm64"), 6_000)));
        ResolveResult.Sized list = sized(resolver.resolve(
                ImageRef.parse(plain.hostPort() + "/multi/list:1.0"),
                PlatformSelection.of(Platform.parse("linux/arm64")),
                null,
                WAIT));
        assertThat(list.sizes()).singleElement().satisfies(s -> assertThat(s.indexDigest())
                .isEqualTo(dockerList));
    }

    @Test
    void tlsRegistryWithBasicAuthNeedsTheRightCredentials() {
        Pushed pushed = TestImages.push(tls, "private/app", "v1", Format.DOCKER, 123_456, 7_890);
        ImageRef ref = ImageRef.parse(pushed.reference());

        ResolveResult.Sized ok =
                sized(resolver.resolve(ref, AMD64, new RegistryCredential(tls.user(), tls.password()), WAIT));
        assertThat(ok.sizes().get(0).compressedSizeBytes()).isEqualTo(pushed.compressedSize());

        for (RegistryCredential wrong : new RegistryCredential[] {null, new RegistryCredential(tls.user(), "wrong")}) {
            assertThat(resolver.resolve(ref, AMD64, wrong, WAIT))
                    .isInstanceOfSatisfying(ResolveResult.Failed.class, failed -> {
                        assertThat(failed.error().kind()).isEqualTo(ResolveError.Kind.UNAUTHORIZED);
                        assertThat(failed.error().message())
                                .contains(tls.hostPort())
                                .doesNotContain("wrong")
                                .doesNotContain(tls.password());
                    });
        }
    }

    @Test
    void anExpiredTagIsRevalidatedWithHeadAndAMovedTagIsSeen() {
        AtomicLong clock = new AtomicLong();
        String manifests = "/v2/moving/app/manifests/stable";
        try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(
                ResolverConfig.defaults().toBuilder()
                        .tagTtl(Duration.ofMinutes(5))
                        .insecureRegistries(Set.of(plain.hostPort()))
                        .build(),
                RequestListener.NONE,
                clock::get)) {
            Pushed first = TestImages.push(plain, "moving/app", "stable", Format.OCI, 10_000);
            ImageRef ref = ImageRef.parse(first.reference());
            long getsBefore = plain.requestCount("GET", manifests);
            long headsBefore = plain.requestCount("HEAD", manifests);
            assertThat(digestOf(resolver.resolve(ref, AMD64, null, WAIT))).isEqualTo(first.digest());

            clock.addAndGet(Duration.ofMinutes(6).toNanos());
            assertThat(digestOf(resolver.resolve(ref, AMD64, null, WAIT)))
                    .as("after the TTL the unchanged tag is confirmed")
                    .isEqualTo(first.digest());
            awaitRequests("HEAD", manifests, headsBefore + 1);
            awaitRequests("GET", manifests, getsBefore + 1);

            Pushed second = TestImages.push(plain, "moving/app", "stable", Format.OCI, 20_000, 30_000);
            assertThat(digestOf(resolver.resolve(ref, AMD64, null, WAIT)))
                    .as("within the TTL the cached digest stands")
                    .isEqualTo(first.digest());
            clock.addAndGet(Duration.ofMinutes(6).toNanos());
            ImageSize moved =
                    sized(resolver.resolve(ref, AMD64, null, WAIT)).sizes().get(0);
            assertThat(moved.manifestDigest()).isEqualTo(second.digest());
            assertThat(moved.compressedSizeBytes()).isEqualTo(second.compressedSize());
            awaitRequests("HEAD", manifests, headsBefore + 2);
            awaitRequests("GET", manifests, getsBefore + 1); // the new manifest is read by its digest
        }
    }

    private static String digestOf(ResolveResult result) {
        return sized(result).sizes().get(0).manifestDigest();
    }

    /**
     * Waits until the registry's access log shows exactly {@code expected} such requests and stays there for a moment
     * (the log is written after each response).
     */
    private static void awaitRequests(String method, String path, long expected) {
        await().atMost(Duration.ofSeconds(10)).until(() -> plain.requestCount(method, path) >= expected);
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .until(() -> plain.requestCount(method, path) == expected);
    }

    @Test
    void fiftyConcurrentLookupsOfOneUncachedReferenceFetchTheManifestOnce() throws Exception {
        Pushed pushed = TestImages.push(plain, "load/app", "v1", Format.OCI, 50_000);
        String path = "/v2/load/app/manifests/v1";
        long before = plain.requestCount("GET", path);
        try (ImageSizeResolver fresh = newResolver(ResolverConfig.defaults())) {
            ExecutorService callers = Executors.newFixedThreadPool(50);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ResolveResult>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                results.add(callers.submit(() -> {
                    start.await();
                    return fresh.resolve(ImageRef.parse(pushed.reference()), AMD64, null, WAIT);
                }));
            }
            start.countDown();
            for (Future<ResolveResult> result : results) {
                assertThat(sized(result.get()).sizes().get(0).compressedSizeBytes())
                        .isEqualTo(pushed.compressedSize());
            }
            callers.shutdown();
        }
        awaitRequests("GET", path, before + 1);
    }

    @Test
    void registryErrorsAreValuesWithActionableMessages() {
        ResolveResult missing = resolver.resolve(ImageRef.parse(plain.hostPort() + "/nope/app:v1"), AMD64, null, WAIT);
        assertThat(missing).isInstanceOfSatisfying(ResolveResult.Failed.class, f -> {
            assertThat(f.error().kind()).isEqualTo(ResolveError.Kind.NOT_FOUND);
            assertThat(f.error().message()).contains("nope/app:v1").contains("not found");
        });

        try (LocalRegistry stopped = LocalRegistry.plain()) {
            stopped.stop();
            try (ImageSizeResolver r = ImageSizeResolver.forRegistries(
                    ResolverConfig.defaults().withInsecureRegistries(Set.of(stopped.hostPort())))) {
                ResolveResult down =
                        r.resolve(ImageRef.parse(stopped.hostPort() + "/app:v1"), AMD64, null, Duration.ofSeconds(5));
                assertThat(down).isInstanceOfSatisfying(ResolveResult.Failed.class, f -> {
                    assertThat(f.error().kind()).isEqualTo(ResolveError.Kind.UNREACHABLE);
                    assertThat(f.error().message()).contains(stopped.hostPort()).contains("unreachable");
                });
            }
        }

        // TLS to a plain-HTTP registry that was not declared insecure: refused or timed out, within the deadline
        try (ImageSizeResolver strict = ImageSizeResolver.forRegistries(ResolverConfig.defaults())) {
            Pushed pushed = TestImages.push(plain, "strict/app", "v1", Format.OCI, 10);
            ResolveResult refused =
                    strict.resolve(ImageRef.parse(pushed.reference()), AMD64, null, Duration.ofSeconds(3));
            assertThat(refused).isInstanceOfSatisfying(ResolveResult.Failed.class, f -> assertThat(
                            f.error().kind())
                    .as(f.error().message())
                    .isIn(ResolveError.Kind.UNREACHABLE, ResolveError.Kind.TIMEOUT));
        }
    }
}
