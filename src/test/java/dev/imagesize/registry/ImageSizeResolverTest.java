package dev.imagesize.registry;

import static dev.imagesize.registry.FakeManifestSource.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.Deadline;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.assessment.CredentialSource;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.PlatformScope;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.Selector;
import dev.imagesize.registry.ImageSizeResolver.Lookup;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import dev.imagesize.workload.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
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
    /** The caches' clock, moved by the tests. */
    private final AtomicLong now = new AtomicLong();

    private final List<ImageSizeResolver> resolvers = new ArrayList<>();
    private final ImageSizeResolver resolver = resolver(ResolverConfig.defaults().toBuilder()
            .tagTtl(Duration.ofMinutes(5))
            .staleIfError(Duration.ofHours(1))
            .build());

    private ImageSizeResolver resolver(ResolverConfig config) {
        ImageSizeResolver made = new ImageSizeResolver(registry, config, now::get);
        resolvers.add(made);
        return made;
    }

    @AfterEach
    void close() {
        registry.gate.countDown();
        resolvers.forEach(ImageSizeResolver::close);
    }

    private ResolveResult resolve(String ref, PlatformSelection platforms) {
        return resolver.resolve(ImageRef.parse(ref), platforms, null, WAIT);
    }

    private ResolveResult resolve(String ref) {
        return resolve(ref, PlatformSelection.of(AMD64));
    }

    private static ResolveResult.Sized sized(ResolveResult result) {
        assertThat(result).as(result.toString()).isInstanceOf(ResolveResult.Sized.class);
        return (ResolveResult.Sized) result;
    }

    private static ResolveError failed(ResolveResult result) {
        assertThat(result).as(result.toString()).isInstanceOf(ResolveResult.Failed.class);
        return ((ResolveResult.Failed) result).error();
    }

    private void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
    }

    // ---- sizes and platforms

    @Test
    void singleManifestSizeIsConfigPlusLayers() {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000, 20_000);

        ResolveResult.Sized result = sized(resolve("reg.local/app:1.0"));

        assertThat(result.sizes()).hasSize(1);
        ImageSize size = result.sizes().get(0);
        assertThat(size.compressedSizeBytes()).isEqualTo(31_000);
        assertThat(size.manifestDigest()).isEqualTo("sha256:a");
        assertThat(size.indexDigest()).isNull();
        assertThat(size.platform()).isEqualTo(AMD64);
        assertThat(result.missingPlatforms()).isEmpty();
        assertThat(result.isStale()).isFalse();
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
        assertThat(registry.configFetches)
                .as("the index names every platform: no config is read")
                .hasValue(0);

        ResolveResult.Sized all = sized(resolve("reg.local/app:multi", PlatformSelection.allPlatforms()));
        assertThat(all.sizes()).extracting(ImageSize::manifestDigest).containsExactly("sha256:amd", "sha256:arm");
    }

    @Test
    void variantsAreReadFromTheConfigWhenTheIndexDoesNotStateThem() {
        var v6 = registry.image(null, "sha256:v6", ARM_V6, 100, 6_000);
        var v7 = registry.image(null, "sha256:v7", ARM_V7, 100, 7_000);
        registry.index("arm", "sha256:idx", List.of(entry(v6, "linux", "arm"), entry(v7, "linux", "arm")));

        ResolveResult.Sized result = sized(resolve("reg.local/app:arm", PlatformSelection.of(ARM_V7)));

        assertThat(result.sizes()).singleElement().satisfies(size -> {
            assertThat(size.manifestDigest()).isEqualTo("sha256:v7");
            assertThat(size.platform()).isEqualTo(ARM_V7);
        });
        assertThat(registry.configFetches).hasValue(2);
    }

    @Test
    void variantsTheIndexStatesNeedNoConfig() {
        var v6 = registry.image(null, "sha256:v6", ARM_V6, 100, 6_000);
        var v7 = registry.image(null, "sha256:v7", ARM_V7, 100, 7_000);
        registry.index(
                "arm",
                "sha256:idx",
                List.of(
                        new Manifest.Entry(v6.digest(), null, 100, ARM_V6, Map.of()),
                        new Manifest.Entry(v7.digest(), null, 100, ARM_V7, Map.of())));

        ResolveResult.Sized result = sized(resolve("reg.local/app:arm", PlatformSelection.of(ARM_V7)));

        assertThat(result.sizes()).singleElement().satisfies(size -> assertThat(size.manifestDigest())
                .isEqualTo("sha256:v7"));
        assertThat(registry.configFetches).hasValue(0);
    }

    @Test
    void anIndexThatWouldNeedTooManyChildRequestsIsRefusedBeforeAnyOfThem() {
        List<Manifest.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            entries.add(entry(registry.image(null, "sha256:arm" + i, ARM_V6, 1, 1), "linux", "arm"));
        }
        registry.index("fan", "sha256:fan", entries);

        ResolveError error = failed(resolve("reg.local/app:fan", PlatformSelection.of(ARM_V6)));

        assertThat(error.kind()).isEqualTo(Kind.UNSUPPORTED);
        assertThat(error.message())
                .contains("would need 80 manifest and config requests")
                .contains("limit of 32");
        assertThat(registry.manifestFetches).as("only the index itself").hasValue(1);
        assertThat(registry.configFetches).hasValue(0);
    }

    // ---- sharing, deadlines and the caller's thread

    @Test
    void concurrentLookupsOfOneReferenceShareOneFetch() throws Exception {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000);
        registry.gate = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(50);
        try {
            List<Future<ResolveResult>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                results.add(callers.submit(() -> resolve("reg.local/app:1.0")));
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(resolver.stats().pendingAdmission())
                    .as("every caller waits for the registry")
                    .isEqualTo(50));
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
    void deadlineGivesTimeoutAndTheLookupStillFillsTheCache() {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000);
        registry.gate = new CountDownLatch(1);

        ResolveResult late = resolver.resolve(
                ImageRef.parse("reg.local/app:1.0"), PlatformSelection.of(AMD64), null, Duration.ofMillis(50));

        assertThat(failed(late).kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(failed(late).message()).contains("reg.local/app:1.0").contains("50ms");
        registry.gate.countDown();
        await().atMost(WAIT).untilAsserted(() -> assertThat(resolver.stats().pendingAdmission())
                .as("the background lookup finished")
                .isZero());
        ResolveResult cached =
                resolver.resolve(ImageRef.parse("reg.local/app:1.0"), PlatformSelection.of(AMD64), null, Duration.ZERO);
        assertThat(sized(cached).sizes()).hasSize(1);
        assertThat(registry.manifestFetches).hasValue(1);
        assertThat(registry.configFetches).hasValue(1);
    }

    @Test
    void cachedAnswersAreGivenOnTheCallersThreadWithoutTime() {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000);
        resolve("reg.local/app:1.0");
        List<Thread> answeredOn = new CopyOnWriteArrayList<>();
        resolver.onLookup((image, result, nanos) -> answeredOn.add(Thread.currentThread()));

        ResolveResult instant =
                resolver.resolve(ImageRef.parse("reg.local/app:1.0"), PlatformSelection.of(AMD64), null, Duration.ZERO);

        assertThat(sized(instant).sizes()).hasSize(1);
        assertThat(answeredOn).containsExactly(Thread.currentThread());
        assertThat(registry.manifestFetches).hasValue(1);
        assertThat(resolver.stats().manifestCacheHits()).isEqualTo(1);
    }

    // ---- tags, revalidation, stale answers, failures

    @Test
    void withoutHeadATagIsFetchedAgainAfterItsTtlAndDigestsNever() {
        registry.image("1.0", DIGEST_A, AMD64, 1_000, 10_000);
        resolve("reg.local/app:1.0");
        resolve("reg.local/app:1.0");
        assertThat(registry.manifestFetches).hasValue(1);

        registry.image("1.0", DIGEST_B, AMD64, 1_000, 99_000); // the tag moves
        advance(Duration.ofMinutes(4)); // within 5 min less 10%
        assertThat(sized(resolve("reg.local/app:1.0")).sizes().get(0).manifestDigest())
                .isEqualTo(DIGEST_A);
        advance(Duration.ofMinutes(2)); // past 5 min plus 10%
        assertThat(sized(resolve("reg.local/app:1.0")).sizes().get(0).manifestDigest())
                .isEqualTo(DIGEST_B);
        assertThat(registry.manifestFetches).hasValue(2);

        resolve("reg.local/app@" + DIGEST_A);
        advance(Duration.ofHours(10));
        resolve("reg.local/app@" + DIGEST_A);
        assertThat(registry.manifestFetches).hasValue(2);
    }

    @Test
    void anExpiredTagIsRevalidatedWithHeadAndFetchedOnlyWhenItMoved() {
        registry.answersHead = true;
        registry.image("1.0", DIGEST_A, AMD64, 1_000, 10_000);
        resolve("reg.local/app:1.0");
        assertThat(registry.manifestFetches).hasValue(1);

        advance(Duration.ofMinutes(6));
        assertThat(sized(resolve("reg.local/app:1.0")).sizes().get(0).manifestDigest())
                .isEqualTo(DIGEST_A);
        assertThat(registry.heads).hasValue(1);
        assertThat(registry.manifestFetches).as("an unchanged tag needs no GET").hasValue(1);

        registry.image("1.0", DIGEST_B, AMD64, 1_000, 99_000);
        advance(Duration.ofMinutes(6));
        ImageSize moved = sized(resolve("reg.local/app:1.0")).sizes().get(0);
        assertThat(moved.manifestDigest()).isEqualTo(DIGEST_B);
        assertThat(moved.compressedSizeBytes()).isEqualTo(100_000);
        assertThat(registry.heads).hasValue(2);
        assertThat(registry.manifestFetches).as("one GET, by the new digest").hasValue(2);
        assertThat(resolver.stats().revalidatedUnchanged()).isEqualTo(1);
        assertThat(resolver.stats().revalidatedChanged()).isEqualTo(1);
    }

    @Test
    void whileTheRegistryIsDownTheLastKnownDigestAnswersMarkedStaleForABoundedTime() {
        registry.answersHead = true;
        registry.image("1.0", DIGEST_A, AMD64, 1_000, 10_000);
        resolve("reg.local/app:1.0");
        registry.failures.put("1.0", new ResolveError(Kind.UNREACHABLE, "registry reg.local is unreachable"));

        advance(Duration.ofMinutes(6));
        ResolveResult.Sized stale = sized(resolve("reg.local/app:1.0"));
        assertThat(stale.sizes().get(0).manifestDigest()).isEqualTo(DIGEST_A);
        assertThat(stale.stale()).isNotNull();
        assertThat(stale.stale().age()).isEqualTo(Duration.ofMinutes(6));
        assertThat(stale.stale().cause().kind()).isEqualTo(Kind.UNREACHABLE);
        assertThat(stale.stale().describe())
                .isEqualTo("stale: digest last confirmed 6m ago (registry reg.local is unreachable)");
        int heads = registry.heads.get();
        assertThat(sized(resolve("reg.local/app:1.0")).isStale()).isTrue();
        assertThat(registry.heads)
                .as("the failure is remembered: no request storm")
                .hasValue(heads);
        assertThat(resolver.stats().staleAnswers()).isEqualTo(2);

        advance(Duration.ofHours(2)); // past stale-if-error
        assertThat(failed(resolve("reg.local/app:1.0")).kind()).isEqualTo(Kind.UNREACHABLE);
    }

    @Test
    void anAssessmentNamesTheStaleSizeItDecidedOn() {
        registry.answersHead = true;
        registry.image("1.0", DIGEST_A, AMD64, 1_000, 10_000);
        resolve("reg.local/app:1.0");
        registry.failures.put("1.0", new ResolveError(Kind.UNREACHABLE, "registry reg.local is unreachable"));
        advance(Duration.ofMinutes(12));
        Rule rule = new Rule(
                Rule.NAMESPACED_KIND,
                "shop",
                "budget",
                Rule.Action.ENFORCE,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                new Limits(1_000L, null, null),
                List.of(),
                List.of(),
                List.of(AMD64),
                Rule.OnResolveError.DENY);
        Workload workload = new Workload(
                "Deployment",
                "shop",
                "web",
                Map.of(),
                List.of(new Container("app", Container.Type.CONTAINER, "reg.local/app:1.0")),
                List.of(),
                null);

        Assessments.Assessed assessed = new Assessments(resolver, 10)
                .assess(
                        List.of(new Assessments.Subject(workload, List.of(rule))),
                        PlatformScope.cluster(List.of()),
                        CredentialSource.ANONYMOUS,
                        Deadline.in(WAIT),
                        Priority.ADMISSION)
                .get(0);

        assertThat(assessed.findings()).singleElement().satisfies(finding -> assertThat(finding.outcome())
                .isEqualTo(Finding.Outcome.OVER));
        assertThat(assessed.notes())
                .containsExactly("image \"reg.local/app:1.0\": stale: digest last confirmed 12m ago"
                        + " (registry reg.local is unreachable)");
    }

    @Test
    void aTagThatIsGoneIsNotFoundNotStale() {
        registry.answersHead = true;
        registry.image("1.0", DIGEST_A, AMD64, 1_000, 10_000);
        resolve("reg.local/app:1.0");
        registry.failures.put("1.0", new ResolveError(Kind.NOT_FOUND, "image reg.local/app:1.0 not found"));

        advance(Duration.ofMinutes(6));

        assertThat(failed(resolve("reg.local/app:1.0")).kind()).isEqualTo(Kind.NOT_FOUND);
    }

    @Test
    void aRevalidationThatOutlivesTheDeadlineAnswersStale() {
        registry.answersHead = true;
        registry.image("1.0", DIGEST_A, AMD64, 1_000, 10_000);
        resolve("reg.local/app:1.0");
        advance(Duration.ofMinutes(6));
        registry.gate = new CountDownLatch(1);

        ResolveResult result = resolver.resolve(
                ImageRef.parse("reg.local/app:1.0"), PlatformSelection.of(AMD64), null, Duration.ofMillis(50));

        assertThat(sized(result).sizes().get(0).manifestDigest()).isEqualTo(DIGEST_A);
        assertThat(sized(result).stale().cause().kind()).isEqualTo(Kind.TIMEOUT);
    }

    @Test
    void failuresAreRememberedBrieflyAndRateLimitsForTheirRetryAfter() {
        registry.failures.put("down", new ResolveError(Kind.UNREACHABLE, "connection refused"));
        registry.failures.put("busy", new ResolveError(Kind.RATE_LIMITED, "429", Duration.ofSeconds(60)));

        for (int i = 0; i < 3; i++) {
            assertThat(failed(resolve("reg.local/app:down")).kind()).isEqualTo(Kind.UNREACHABLE);
            resolve("reg.local/app:busy");
        }
        assertThat(registry.manifestFetches).hasValue(2);

        advance(Duration.ofSeconds(11)); // past the failure TTL, before Retry-After
        resolve("reg.local/app:down");
        resolve("reg.local/app:busy");
        assertThat(registry.manifestFetches).hasValue(3);

        advance(Duration.ofSeconds(60));
        resolve("reg.local/app:busy");
        assertThat(registry.manifestFetches).hasValue(4);
    }

    @Test
    void cachesAreKeptApartByCredential() {
        registry.image("1.0", "sha256:a", AMD64, 1_000, 10_000);
        ImageRef image = ImageRef.parse("reg.local/app:1.0");
        resolver.resolve(image, PlatformSelection.of(AMD64), new RegistryCredential("team-a", "x"), WAIT);
        resolver.resolve(image, PlatformSelection.of(AMD64), new RegistryCredential("team-a", "x"), WAIT);
        assertThat(registry.manifestFetches).hasValue(1);

        resolver.resolve(image, PlatformSelection.of(AMD64), null, WAIT);
        resolver.resolve(image, PlatformSelection.of(AMD64), new RegistryCredential("team-b", "y"), WAIT);
        assertThat(registry.manifestFetches).hasValue(3);
    }

    @Test
    void cachedManifestsStayWithinTheirWeight() {
        ImageSizeResolver small =
                resolver(ResolverConfig.defaults().toBuilder().cacheWeight(50).build());
        for (int i = 0; i < 20; i++) {
            String digest = "sha256:" + String.format("%064x", i);
            registry.image(null, digest, AMD64, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10); // weight 11
            small.resolve(ImageRef.parse("reg.local/app@" + digest), PlatformSelection.of(AMD64), null, WAIT);
        }
        await().atMost(WAIT)
                .untilAsserted(() ->
                        assertThat(small.stats().cacheWeight()).isPositive().isLessThanOrEqualTo(50));
    }

    // ---- bulkheads

    @Test
    void admissionIsAnsweredWhileTheAuditWaitsForASlowRegistry() throws Exception {
        registry.image("1.0", "sha256:fast", AMD64, 1_000, 10_000);
        List<Lookup> audit = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            registry.image("1.0", "sha256:slow" + i, AMD64, 1, 1);
            audit.add(new Lookup(ImageRef.parse("reg.local/slow" + i + ":1.0"), PlatformSelection.of(AMD64), null));
        }
        for (int i = 0; i < 100; i++) {
            registry.gated.add("slow" + i);
        }
        registry.gate = new CountDownLatch(1);
        CompletableFuture<List<ResolveResult>> pass = CompletableFuture.supplyAsync(
                () -> resolver.resolveAll(audit, Deadline.in(Duration.ofSeconds(30)), Priority.AUDIT));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(resolver.stats().pendingAudit()).isEqualTo(100));

        ResolveResult admission = resolver.resolveAll(
                        List.of(new Lookup(ImageRef.parse("reg.local/fast:1.0"), PlatformSelection.of(AMD64), null)),
                        Deadline.in(Duration.ofSeconds(2)),
                        Priority.ADMISSION)
                .get(0);

        assertThat(sized(admission).sizes()).hasSize(1);
        assertThat(pass).isNotDone();
        registry.gate.countDown();
        assertThat(pass.get()).allSatisfy(result -> assertThat(result).isInstanceOf(ResolveResult.Sized.class));
    }

    @Test
    void pastItsPendingBoundAPriorityIsAnsweredOverloadedAtOnce() {
        ImageSizeResolver bounded = resolver(
                ResolverConfig.defaults().toBuilder().maxPendingAdmission(2).build());
        registry.gate = new CountDownLatch(1);
        for (int i = 0; i < 3; i++) {
            registry.image("1.0", "sha256:p" + i, AMD64, 1, 1);
        }
        CompletableFuture.runAsync(
                () -> bounded.resolve(ImageRef.parse("reg.local/p0:1.0"), PlatformSelection.of(AMD64), null, WAIT));
        CompletableFuture.runAsync(
                () -> bounded.resolve(ImageRef.parse("reg.local/p1:1.0"), PlatformSelection.of(AMD64), null, WAIT));
        await().atMost(WAIT).untilAsserted(() -> assertThat(bounded.stats().pendingAdmission())
                .isEqualTo(2));

        ResolveResult third =
                bounded.resolve(ImageRef.parse("reg.local/p2:1.0"), PlatformSelection.of(AMD64), null, WAIT);

        assertThat(failed(third).kind()).isEqualTo(Kind.OVERLOADED);
        assertThat(failed(third).message())
                .contains("too many admission lookups")
                .contains("reg.local/p2:1.0");
        assertThat(bounded.stats().overloaded()).isEqualTo(1);
        ResolveResult audit = bounded.resolveAll(
                        List.of(new Lookup(ImageRef.parse("reg.local/p2:1.0"), PlatformSelection.of(AMD64), null)),
                        Deadline.in(Duration.ofMillis(100)),
                        Priority.AUDIT)
                .get(0);
        assertThat(failed(audit).kind()).as("the audit has its own bound").isEqualTo(Kind.TIMEOUT);
    }

    @Test
    void oneRequestLooksUpAtMostItsShareOfDistinctUncachedImages() {
        ImageSizeResolver capped = resolver(
                ResolverConfig.defaults().toBuilder().maxImagesPerRequest(3).build());
        List<Lookup> lookups = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            registry.image("1.0", "sha256:c" + i, AMD64, 1, 1);
            lookups.add(new Lookup(ImageRef.parse("reg.local/c" + i + ":1.0"), PlatformSelection.of(AMD64), null));
        }
        lookups.add(lookups.get(0)); // a repeat is not another image

        List<ResolveResult> results = capped.resolveAll(lookups, WAIT);

        assertThat(results.subList(0, 3))
                .allSatisfy(result -> assertThat(result).isInstanceOf(ResolveResult.Sized.class));
        assertThat(results.subList(3, 5))
                .allSatisfy(result -> assertThat(failed(result).kind()).isEqualTo(Kind.OVERLOADED));
        assertThat(results.get(5)).isInstanceOf(ResolveResult.Sized.class);
        assertThat(registry.manifestFetches).hasValue(3);

        List<ResolveResult> again = capped.resolveAll(lookups.subList(0, 3), WAIT);
        assertThat(again).as("cached images do not count").allSatisfy(result -> assertThat(result)
                .isInstanceOf(ResolveResult.Sized.class));
    }
}
