package dev.imagesize.registry;

import static dev.imagesize.testing.FakeRegistry.send;
import static dev.imagesize.testing.FakeRegistry.sendManifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.Deadline;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.registry.ImageSizeResolver.Lookup;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import dev.imagesize.testing.FakeRegistry;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Admission never waits behind the audit: while the audit priority resolves 2,000 distinct tags from a registry that
 * answers every request after 200 ms, a cold admission lookup of an image in the real, healthy registry is answered
 * with its size in under a second.
 */
class ResolverPriorityIT {
    private static final PlatformSelection AMD64 = PlatformSelection.of(Platform.LINUX_AMD64);
    private static final String CONFIG = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[]}}";

    @Test
    void aColdAdmissionLookupIsAnsweredWithinASecondWhileTheAuditWaitsForASlowRegistry() throws Exception {
        byte[] config = CONFIG.getBytes(StandardCharsets.UTF_8);
        String configDigest = FakeRegistry.sha256(config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                        + configDigest + "\",\"size\":" + config.length + "},\"layers\":[]}")
                .getBytes(StandardCharsets.UTF_8);
        AtomicInteger slowRequests = new AtomicInteger();
        CountDownLatch testOver = new CountDownLatch(1);
        LocalRegistry healthy = LocalRegistry.sharedPlain();
        Pushed cold = TestImages.push(healthy, "priority/app", "cold", Format.OCI, 123_456, 7_890);

        try (FakeRegistry slow = FakeRegistry.plainHttp(exchange -> {
            slowRequests.incrementAndGet();
            try {
                testOver.await(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else if (path.contains("/blobs/")) {
                send(exchange, 200, "application/octet-stream", config);
            } else {
                sendManifest(exchange, "application/vnd.oci.image.manifest.v1+json", manifest);
            }
        })) {
            ResolverConfig settings =
                    ResolverConfig.defaults().withInsecureRegistries(Set.of(slow.address(), healthy.hostPort()));
            try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(settings)) {
                List<Lookup> audit = new ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    audit.add(new Lookup(ImageRef.parse(slow.address() + "/audit/app:tag-" + i), AMD64, null));
                }
                CompletableFuture<List<ResolveResult>> pass = CompletableFuture.supplyAsync(
                        () -> resolver.resolveAll(audit, Deadline.in(Duration.ofSeconds(15)), Priority.AUDIT));
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(slowRequests.get())
                        .as("the audit is busy with the slow registry")
                        .isGreaterThan(10));
                assertThat(resolver.stats().pendingAudit()).isGreaterThan(1_500);

                long start = System.nanoTime();
                ResolveResult admission = resolver.resolveAll(
                                List.of(new Lookup(ImageRef.parse(cold.reference()), AMD64, null)),
                                Deadline.in(Duration.ofMillis(2_500)),
                                Priority.ADMISSION)
                        .get(0);
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(admission).as(admission.toString()).isInstanceOf(ResolveResult.Sized.class);
                assertThat(((ResolveResult.Sized) admission).sizes().get(0).compressedSizeBytes())
                        .isEqualTo(cold.compressedSize());
                assertThat(took).as("cold admission lookup during the audit").isLessThan(Duration.ofSeconds(1));
                assertThat(resolver.stats().pendingAudit())
                        .as("the audit was still waiting")
                        .isGreaterThan(1_000);
                System.out.printf(
                        "cold admission lookup during an audit of 2,000 slow tags: %d ms (%d slow requests so far)%n",
                        took.toMillis(), slowRequests.get());
                testOver.countDown();
                assertThat(pass.get(60, TimeUnit.SECONDS)).hasSize(2_000);
            }
        } finally {
            testOver.countDown();
        }
    }
}
