package dev.imagesize.registry;

import static dev.imagesize.registry.FakeManifestSource.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ImageSizeResolverTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String DIGEST_A = "sha256:" + "a".repeat(64);
    private static final String DIGEST_B = "sha256:" + "b".repeat(64);
    private static final Platform AMD64 = Platform.parse("linux/amd64");
    private static final Platform ARM64 = Platform.parse("linux/arm64");
    private static final Platform ARM_V7 = Platform.parse("linux/arm/v7");
    private static final Platform ARM_V6 = Platform.parse("linux/arm/v6");

    private final FakeManifestSource registry = new FakeManifestSource();
    private final AtomicLong now = new AtomicLong();
    private final ImageSizeResolver resolver = new ImageSizeResolver(registry, ResolverConfig.defaults(), now::get);

    @AfterEach
    void close() {
        resolver.close();
    }

    private ResolveResult resolve(String ref, PlatformSelection platforms) {
        return resolver.resolve(ImageRef.parse(ref), platforms, null, WAIT);
    }

    private static ResolveResult.Sized sized(ResolveResult result) {
        assertThat(result).isInstanceOf(ResolveResult.Sized.class);
        return (ResolveResult.Sized) result;
    }

    @Test
    void singleManifestSizeIsConfigPlusLayers() {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000, 20_000);

        ResolveResult.Sized result = sized(resolve("reg.local/app:1.0", PlatformSelection.of(AMD64)));

        assertThat(result.sizes()).hasSize(1);
        ImageSize size = result.sizes().get(0);
        assertThat(size.compressedSizeBytes()).isEqualTo(31_000);
        assertThat(size.manifestDigest()).isEqualTo("sha256:a");
        assertThat(size.indexDigest()).isNull();
        assertThat(size.platform()).isEqualTo(AMD64);
        assertThat(result.missingPlatforms()).isEmpty();
    }

    @Test
    void singleManifestOfAnotherPlatformIsMissingNotAnError() {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000);

        ResolveResult.Sized result = sized(resolve("reg.local/app:1.0", PlatformSelection.of(ARM64)));

        assertThat(result.sizes()).isEmpty();
        assertThat(result.missingPlatforms()).containsExactly(ARM64);
        assertThat(result.availablePlatforms()).containsExactly(AMD64);
    }

    @Test
    void indexPicksPlatformsSkipsAttestationsAndReportsMissing() {
        var amd = registry.image(null, "sha256:amd", AMD64, 500, 1_000);
        var arm = registry.image(null, "sha256:arm", ARM64, 500, 2_000);
        var attestation = registry.image(null, "sha256:att", new Platform("unknown", "unknown", null), 100, 50);
        registry.index(
                "multi",
                "sha256:idx",
                List.of(
                        entry(amd, "linux", "amd64"),
                        entry(arm, "linux", "arm64"),
                        new Manifest.Entry(
                                attestation.digest(),
                                null,
                                100,
                                new Platform("unknown", "unknown", null),
                                Map.of("vnd.docker.reference.type", "attestation-manifest"))));

        ResolveResult.Sized result = sized(
                resolve("reg.local/app:multi", PlatformSelection.of(AMD64, ARM64, Platform.parse("linux/s390x"))));

        assertThat(result.sizes()).extracting(ImageSize::compressedSizeBytes).containsExactly(1_500L, 2_500L);
        assertThat(result.sizes())
                .allSatisfy(size -> assertThat(size.indexDigest()).isEqualTo("sha256:idx"));
        assertThat(result.missingPlatforms()).containsExactly(Platform.parse("linux/s390x"));
        assertThat(result.availablePlatforms()).containsExactly(AMD64, ARM64);

        ResolveResult.Sized all = sized(resolve("reg.local/app:multi", PlatformSelection.allPlatforms()));
        assertThat(all.sizes()).extracting(ImageSize::manifestDigest).containsExactly("sha256:amd", "sha256:arm");
    }

    @Test
    void variantsAreReadFromTheConfigWhenTheIndexIsAmbiguous() {
        var v6 = registry.image(null, "sha256:v6", ARM_V6, 100, 6_000);
        var v7 = registry.image(null, "sha256:v7", ARM_V7, 100, 7_000);
        registry.index("arm", "sha256:idx", List.of(entry(v6, "linux", "arm"), entry(v7, "linux", "arm")));

        ResolveResult.Sized result = sized(resolve("reg.local/app:arm", PlatformSelection.of(ARM_V7)));

        assertThat(result.sizes()).singleElement().satisfies(size -> {
            assertThat(size.manifestDigest()).isEqualTo("sha256:v7");
            assertThat(size.platform()).isEqualTo(ARM_V7);
        });
    }

    @Test
    void concurrentLookupsOfOneReferenceShareOneFetch() throws Exception {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000);
        registry.gate = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(50);
        try {
            List<Future<ResolveResult>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                results.add(callers.submit(() -> resolve("reg.local/app:1.0", PlatformSelection.of(AMD64))));
            }
            Thread.sleep(200); // let every caller reach the registry call or the shared future
            registry.gate.countDown();
            for (Future<ResolveResult> result : results) {
                assertThat(sized(result.get()).sizes()).hasSize(1);
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(registry.manifestFetches).hasValue(1);
        assertThat(registry.configFetches).as("the config blob is shared too").hasValue(1);
    }

    @Test
    void tagIsAskedAgainAfterItsTtlAndDigestsNever() {
        registry.image("1.0", DIGEST_A, AMD64, 1_000, 10_000);
        resolve("reg.local/app:1.0", PlatformSelection.of(AMD64));
        resolve("reg.local/app:1.0", PlatformSelection.of(AMD64));
        assertThat(registry.manifestFetches).hasValue(1);

        registry.image("1.0", DIGEST_B, AMD64, 1_000, 99_000); // the tag moves
        now.addAndGet(Duration.ofMinutes(4).toNanos());
        assertThat(sized(resolve("reg.local/app:1.0", PlatformSelection.of(AMD64)))
                        .sizes()
                        .get(0)
                        .manifestDigest())
                .isEqualTo(DIGEST_A);
        now.addAndGet(Duration.ofMinutes(2).toNanos());
        assertThat(sized(resolve("reg.local/app:1.0", PlatformSelection.of(AMD64)))
                        .sizes()
                        .get(0)
                        .manifestDigest())
                .isEqualTo(DIGEST_B);
        assertThat(registry.manifestFetches).hasValue(2);

        resolve("reg.local/app@" + DIGEST_A, PlatformSelection.of(AMD64));
        now.addAndGet(Duration.ofHours(10).toNanos());
        resolve("reg.local/app@" + DIGEST_A, PlatformSelection.of(AMD64));
        assertThat(registry.manifestFetches).hasValue(2);
    }

    @Test
    void failuresAreRememberedBrieflyAndRateLimitsForTheirRetryAfter() {
        registry.failures.put("down", new ResolveError(ResolveError.Kind.UNREACHABLE, "connection refused"));
        registry.failures.put("busy", new ResolveError(ResolveError.Kind.RATE_LIMITED, "429", Duration.ofSeconds(60)));

        for (int i = 0; i < 3; i++) {
            assertThat(resolve("reg.local/app:down", PlatformSelection.of(AMD64)))
                    .isInstanceOfSatisfying(
                            ResolveResult.Failed.class,
                            failed -> assertThat(failed.error().kind()).isEqualTo(ResolveError.Kind.UNREACHABLE));
            resolve("reg.local/app:busy", PlatformSelection.of(AMD64));
        }
        assertThat(registry.manifestFetches).hasValue(2);

        now.addAndGet(Duration.ofSeconds(11).toNanos()); // past the failure TTL, before Retry-After
        resolve("reg.local/app:down", PlatformSelection.of(AMD64));
        resolve("reg.local/app:busy", PlatformSelection.of(AMD64));
        assertThat(registry.manifestFetches).hasValue(3);

        now.addAndGet(Duration.ofSeconds(60).toNanos());
        resolve("reg.local/app:busy", PlatformSelection.of(AMD64));
        assertThat(registry.manifestFetches).hasValue(4);
    }

    @Test
    void deadlineGivesTimeoutAndTheLookupStillFillsTheCache() throws Exception {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000);
        registry.gate = new CountDownLatch(1);

        ResolveResult late = resolver.resolve(
                ImageRef.parse("reg.local/app:1.0"), PlatformSelection.of(AMD64), null, Duration.ofMillis(50));

        assertThat(late).isInstanceOfSatisfying(ResolveResult.Failed.class, failed -> {
            assertThat(failed.error().kind()).isEqualTo(ResolveError.Kind.TIMEOUT);
            assertThat(failed.error().message()).contains("reg.local/app:1.0").contains("50ms");
        });
        registry.gate.countDown();
        Thread.sleep(100);
        assertThat(sized(resolve("reg.local/app:1.0", PlatformSelection.of(AMD64)))
                        .sizes())
                .hasSize(1);
        assertThat(registry.manifestFetches).hasValue(1);
    }

    @Test
    void cachedAnswersNeedNoTimeAndNoBackgroundThread() {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000);
        resolve("reg.local/app:1.0", PlatformSelection.of(AMD64));

        ResolveResult instant =
                resolver.resolve(ImageRef.parse("reg.local/app:1.0"), PlatformSelection.of(AMD64), null, Duration.ZERO);

        assertThat(sized(instant).sizes()).hasSize(1);
        assertThat(registry.manifestFetches).hasValue(1);
    }
}
