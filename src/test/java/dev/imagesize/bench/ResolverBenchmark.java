package dev.imagesize.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.ResolverConfig;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Resolver throughput and registry economy against the real registry: warm-cache lookups per second from one
 * caller thread, and the registry requests caused by 1,000 lookups of 100 distinct images.
 */
class ResolverBenchmark {
    private static final PlatformSelection AMD64 = PlatformSelection.of(Platform.LINUX_AMD64);

    @Test
    void resolver() {
        LocalRegistry registry = LocalRegistry.sharedPlain();
        List<ImageRef> images = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            images.add(
                    ImageRef.parse(TestImages.push(registry, "bench/resolver-" + i, "1.0", Format.OCI, 1_000 + i, 2_000)
                            .reference()));
        }
        BenchReport report = new BenchReport("resolver", "Resolver (`ResolverBenchmark`)");
        try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(
                ResolverConfig.defaults().withInsecureRegistries(Set.of(registry.hostPort())))) {
            long manifestsBefore = registry.requestCount("GET", "/v2/bench/resolver-\\d+/manifests/.*");
            long blobsBefore = registry.requestCount("GET", "/v2/bench/resolver-\\d+/blobs/.*");
            long start = System.nanoTime();
            for (int round = 0; round < 10; round++) {
                for (ImageRef image : images) {
                    assertThat(resolver.resolve(image, AMD64, null, Duration.ofSeconds(10)))
                            .isInstanceOf(ResolveResult.Sized.class);
                }
            }
            long coldNanos = System.nanoTime() - start;
            // the access log is written after each response: wait until the counts stop moving
            LongSupplier manifestGets =
                    () -> registry.requestCount("GET", "/v2/bench/resolver-\\d+/manifests/.*") - manifestsBefore;
            LongSupplier blobGets =
                    () -> registry.requestCount("GET", "/v2/bench/resolver-\\d+/blobs/.*") - blobsBefore;
            await().atMost(Duration.ofSeconds(10)).until(() -> manifestGets.getAsLong() >= 100);
            long[] last = {-1, -1};
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> {
                        long[] now = {manifestGets.getAsLong(), blobGets.getAsLong()};
                        boolean stable = now[0] == last[0] && now[1] == last[1];
                        last[0] = now[0];
                        last[1] = now[1];
                        return stable;
                    });
            long manifests = manifestGets.getAsLong();
            long blobs = blobGets.getAsLong();
            report.line("1,000 lookups of 100 distinct images (10 rounds, cold start): " + manifests
                    + " manifest GETs and " + blobs + " config-blob GETs at the registry, "
                    + String.format(Locale.ROOT, "%.0f ms in all.", coldNanos / 1e6));

            for (int warmup = 0; warmup < 50_000; warmup++) {
                resolver.resolve(images.get(warmup % 100), AMD64, null, Duration.ofSeconds(1));
            }
            // five rounds of 300,000 on a shared machine: the median round is the figure, the others its spread
            int lookups = 300_000;
            double[] rates = new double[5];
            long[] latencies = new long[lookups];
            for (int round = 0; round < rates.length; round++) {
                long warmStart = System.nanoTime();
                for (int i = 0; i < lookups; i++) {
                    long t = System.nanoTime();
                    resolver.resolve(images.get(i % 100), AMD64, null, Duration.ofSeconds(1));
                    latencies[i] = System.nanoTime() - t;
                }
                rates[round] = lookups / ((System.nanoTime() - warmStart) / 1e9);
            }
            double[] sorted = rates.clone();
            java.util.Arrays.sort(sorted);
            report.line(String.format(
                    Locale.ROOT,
                    "Warm cache, one caller thread: %,.0f lookups/s (median of 5 rounds of %,d; rounds from %,.0f to"
                            + " %,.0f); latency p50 | p99 | max (ms) of the last round: %s",
                    sorted[2],
                    lookups,
                    sorted[0],
                    sorted[4],
                    BenchReport.percentiles(latencies)));
            assertThat(manifests).isEqualTo(100);
        }
        coldLatency(registry, report);
        report.write();
    }

    /**
     * Cold lookups one after another, each of an image the resolver has never seen, in one registry: what a new image
     * costs an admission when the registry is on loopback (manifest and config blob, over kept-alive connections).
     */
    private static void coldLatency(LocalRegistry registry, BenchReport report) {
        List<ImageRef> images = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            images.add(ImageRef.parse(TestImages.push(registry, "bench/cold-" + i, "1.0", Format.OCI, 1_000 + i)
                    .reference()));
        }
        try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(
                ResolverConfig.defaults().withInsecureRegistries(Set.of(registry.hostPort())))) {
            // the first lookup pays the registry's /v2/ check and the JIT; it is not counted
            assertThat(resolver.resolve(images.get(0), AMD64, null, Duration.ofSeconds(10)))
                    .isInstanceOf(ResolveResult.Sized.class);
            long[] latencies = new long[images.size() - 1];
            for (int i = 1; i < images.size(); i++) {
                long t = System.nanoTime();
                assertThat(resolver.resolve(images.get(i), AMD64, null, Duration.ofSeconds(10)))
                        .isInstanceOf(ResolveResult.Sized.class);
                latencies[i - 1] = System.nanoTime() - t;
            }
            report.line("Cold lookups, one after another (" + latencies.length
                    + " images never seen before, one registry on loopback): latency p50 | p99 | max (ms): "
                    + BenchReport.percentiles(latencies));
        }
    }
}
