package dev.imagesize.registry;

import static dev.imagesize.testing.FakeRegistry.send;
import static dev.imagesize.testing.FakeRegistry.sendManifest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.Deadline;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import dev.imagesize.testing.FakeRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 20,000 registry requests through the real transport: the connections stay those of the pool (kept alive, at most one
 * per request slot), the JDK's HTTP clients stay three, and the heap after a full GC stays where it started. jib-core's
 * client, which this transport replaced, kept every transport and response: 3,000 requests left about 150 MiB.
 */
class RegistryTransportLeakTest {
    private static final int REQUESTS = 20_000;
    private static final int IN_FLIGHT = 8;
    private static final long FOUR_MIB = 4L * 1024 * 1024;

    @Test
    void twentyThousandRequestsKeepConnectionsAtThePoolSizeAndTheHeapFlat() throws Exception {
        byte[] manifest = FakeRegistry.ociManifest(1_000, new long[] {2_000, 3_000}, 0);
        try (FakeRegistry fake = FakeRegistry.plainHttp(exchange -> {
            if (exchange.getRequestURI().getPath().equals("/v2/")) {
                send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else {
                sendManifest(exchange, "application/vnd.oci.image.manifest.v1+json", manifest);
            }
        })) {
            ResolverConfig config = ResolverConfig.defaults().toBuilder()
                    .insecureRegistries(Set.of(fake.address()))
                    .perRegistryConcurrency(IN_FLIGHT)
                    .build();
            try (RegistryClient client = RegistryClient.create(config)) {
                ManifestSource.Repository repository = new ManifestSource.Repository(fake.address(), "app", null);
                fetch(client, repository, 1_000, "warm-up-"); // connections, JIT, the endpoint's cache entry
                long heapBefore = heapAfterGc();
                int connectionsBefore = fake.connectionsAccepted();
                long clientsBefore = httpClients();

                fetch(client, repository, REQUESTS, "tag-");

                long heapAfter = heapAfterGc();
                System.out.printf(
                        "%d requests: heap after GC %.1f -> %.1f MiB, %d connections opened%n",
                        REQUESTS,
                        heapBefore / 1048576.0,
                        heapAfter / 1048576.0,
                        fake.connectionsAccepted() - connectionsBefore);
                assertThat(fake.connectionsAccepted() - connectionsBefore)
                        .as("connections opened for 20,000 requests (kept alive in the pool)")
                        .isLessThanOrEqualTo(IN_FLIGHT);
                assertThat(fake.connectionsOpen()).as("connections open").isLessThanOrEqualTo(IN_FLIGHT);
                assertThat(httpClients())
                        .as("the JDK's HTTP clients (three per registry client; earlier tests' go with the GC)")
                        .isLessThanOrEqualTo(clientsBefore);
                assertThat(client.transport().exchanges()).isEqualTo(1_000 + REQUESTS + 2); // + the two API checks
                assertThat(heapAfter - heapBefore)
                        .as("heap after GC grew by %.1f MiB", (heapAfter - heapBefore) / 1048576.0)
                        .isLessThan(FOUR_MIB);
            }
        }
    }

    /** {@code count} manifest requests, each for another tag, at most {@link #IN_FLIGHT} at a time. */
    private static void fetch(RegistryClient client, ManifestSource.Repository repository, int count, String prefix)
            throws Exception {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        CompletableFuture<?>[] all = new CompletableFuture<?>[count];
        for (int i = 0; i < count; i++) {
            slots.acquire();
            RequestContext context =
                    new RequestContext(Priority.AUDIT, Deadline.in(Duration.ofSeconds(30)), Runnable::run);
            all[i] = client.manifest(repository, prefix + i, context).whenComplete((manifest, error) -> {
                slots.release();
                assertThat(error).as("request failed").isNull();
            });
        }
        CompletableFuture.allOf(all).get(5, TimeUnit.MINUTES);
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The JDK's HTTP clients alive: each runs one selector thread. */
    private static long httpClients() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("HttpClient-")
                        && thread.getName().endsWith("SelectorManager"))
                .count();
    }
}
