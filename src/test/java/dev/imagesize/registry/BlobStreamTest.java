package dev.imagesize.registry;

import static dev.imagesize.testing.FakeRegistry.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.imagesize.Deadline;
import dev.imagesize.registry.RegistryClient.BlobRequest;
import dev.imagesize.registry.http.TransportException;
import dev.imagesize.testing.FakeRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistryClient#openBlob}, the API content analysis streams layers with: the bytes as they arrive, through the
 * blob storage the registry redirects to, hashed and checked at the end, bounded in size and time, and aborted by
 * closing early.
 */
class BlobStreamTest {
    private static final byte[] LAYER = new byte[3 * 1024 * 1024 + 17];
    private static final String LAYER_DIGEST;

    static {
        new Random(7).nextBytes(LAYER);
        LAYER_DIGEST = FakeRegistry.sha256(LAYER);
    }

    private final CountDownLatch testOver = new CountDownLatch(1);
    private FakeRegistry fake;
    private RegistryClient client;

    @AfterEach
    void stop() throws InterruptedException {
        testOver.countDown();
        if (client != null) {
            client.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    private void serve(FakeRegistry.Answer blobs) throws IOException {
        fake = FakeRegistry.plainHttp(exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith("/v2/app/blobs/")) {
                // the registry sends blobs to its storage, as registries in front of object stores do
                exchange.getResponseHeaders().set("Location", "/storage/" + path.substring(path.lastIndexOf('/') + 1));
                send(exchange, 307, "text/plain", new byte[0]);
            } else if (path.startsWith("/storage/")) {
                blobs.answer(exchange);
            } else {
                send(exchange, 404, "application/json", FakeRegistry.errorBody("BLOB_UNKNOWN", "unknown"));
            }
        });
        client = RegistryClient.create(ResolverConfig.defaults().withInsecureRegistries(Set.of(fake.address())));
    }

    private BlobStream open(String digest, long maxBytes, Duration deadline) throws Exception {
        return client.openBlob(new BlobRequest(
                        new ManifestSource.Repository(fake.address(), "app", null),
                        digest,
                        maxBytes,
                        Deadline.in(deadline)))
                .get(30, TimeUnit.SECONDS);
    }

    @Test
    void aLayerIsStreamedThroughTheRedirectAndVerified() throws Exception {
        serve(exchange -> FakeRegistry.sendBlob(exchange, LAYER));

        byte[] read;
        try (BlobStream blob = open(LAYER_DIGEST, 16L * 1024 * 1024, Duration.ofSeconds(30))) {
            read = blob.readAllBytes();
            assertThat(blob.bytesRead()).isEqualTo(LAYER.length);
            assertThat(blob.digest()).isEqualTo(LAYER_DIGEST);
        }

        assertThat(read).isEqualTo(LAYER);
    }

    @Test
    void contentOfAnotherDigestFailsAtTheEnd() throws Exception {
        byte[] tampered = LAYER.clone();
        tampered[1000] ^= 1;
        serve(exchange -> FakeRegistry.sendBlob(exchange, tampered));

        try (BlobStream blob = open(LAYER_DIGEST, 16L * 1024 * 1024, Duration.ofSeconds(30))) {
            assertThatThrownBy(blob::readAllBytes)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("arrived with content whose digest is");
        }
    }

    @Test
    void readingPastTheLimitFails() throws Exception {
        serve(exchange -> FakeRegistry.sendBlob(exchange, LAYER));

        try (BlobStream blob = open(LAYER_DIGEST, 1024 * 1024, Duration.ofSeconds(30))) {
            assertThatThrownBy(blob::readAllBytes)
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("1048576-byte limit");
            assertThat(blob.bytesRead()).isLessThanOrEqualTo(1024 * 1024);
        }
    }

    @Test
    void aStalledBlobFailsAtTheDeadlineAndClosingEarlyClosesTheConnection() throws Exception {
        serve(FakeRegistry.stalledBlob(LAYER, 1024, testOver));

        int openWhileStalled;
        try (BlobStream blob = open(LAYER_DIGEST, 16L * 1024 * 1024, Duration.ofSeconds(2))) {
            openWhileStalled = fake.connectionsOpen();
            assertThatThrownBy(blob::readAllBytes)
                    .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                            .isEqualTo(TransportException.Reason.DEADLINE))
                    .hasMessageContaining("in time");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fake.connectionsOpen())
                .as("the stalled connection was closed, not left to drain (idle pooled ones stay)")
                .isLessThan(openWhileStalled));
    }

    @Test
    void aMissingBlobIsNotFoundBeforeAnyStream() throws Exception {
        serve(exchange -> send(exchange, 404, "application/json", FakeRegistry.errorBody("BLOB_UNKNOWN", "unknown")));

        assertThatThrownBy(() -> open(LAYER_DIGEST, 1024, Duration.ofSeconds(30)))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(
                        RegistryFailure.class,
                        failure -> assertThat(failure.error().message()).contains("not found"));
    }
}
