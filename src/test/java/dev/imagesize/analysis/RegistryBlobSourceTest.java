package dev.imagesize.analysis;

import static dev.imagesize.testing.FakeRegistry.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.Deadline;
import dev.imagesize.registry.RegistryClient;
import dev.imagesize.registry.ResolverConfig;
import dev.imagesize.testing.FakeRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The analysis port on the pooled registry transport: blobs stream and are verified, the port's problems say what went
 * wrong (too large, too slow, missing, tampered) and whether to retry, and manifests give their annotations.
 */
class RegistryBlobSourceTest {
    private static final byte[] LAYER = new byte[2 * 1024 * 1024 + 5];
    private static final String LAYER_DIGEST;
    private static final byte[] MANIFEST =
            ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                            + FakeRegistry.fakeDigest('c') + "\",\"size\":1234},"
                            + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\""
                            + FakeRegistry.fakeDigest('1') + "\",\"size\":99,\"annotations\":{\"ignored\":\"x\"}}],"
                            + "\"annotations\":{\"org.opencontainers.image.base.name\":\"docker.io/library/python:3.11\","
                            + "\"org.opencontainers.image.base.digest\":\"" + FakeRegistry.fakeDigest('b') + "\","
                            + "\"nested\":{\"not\":\"a string\"}}}")
                    .getBytes(StandardCharsets.UTF_8);
    private static final byte[] INDEX =
            ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"," + "\"manifests\":[]}")
                    .getBytes(StandardCharsets.UTF_8);

    static {
        new Random(11).nextBytes(LAYER);
        LAYER_DIGEST = FakeRegistry.sha256(LAYER);
    }

    private final CountDownLatch testOver = new CountDownLatch(1);
    private FakeRegistry fake;
    private RegistryBlobSource source;

    @AfterEach
    void stop() throws InterruptedException {
        testOver.countDown();
        if (source != null) {
            source.close();
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
            } else if (path.equals("/v2/app/manifests/" + FakeRegistry.sha256(MANIFEST))) {
                FakeRegistry.sendManifest(exchange, "application/vnd.oci.image.manifest.v1+json", MANIFEST);
            } else if (path.equals("/v2/app/manifests/" + FakeRegistry.sha256(INDEX))) {
                FakeRegistry.sendManifest(exchange, "application/vnd.oci.image.index.v1+json", INDEX);
            } else if (path.startsWith("/v2/app/blobs/")) {
                blobs.answer(exchange);
            } else {
                send(exchange, 404, "application/json", FakeRegistry.errorBody("BLOB_UNKNOWN", "unknown"));
            }
        });
        RegistryClient client =
                RegistryClient.create(ResolverConfig.defaults().withInsecureRegistries(Set.of(fake.address())));
        source = new RegistryBlobSource(client, 1000, true);
    }

    private InputStream open(long maxBytes, Duration deadline) throws LayerProblem {
        return source.open(new BlobSource.Request(location(), LAYER_DIGEST, maxBytes, Deadline.in(deadline)));
    }

    private BlobSource.Location location() {
        return new BlobSource.Location(fake.address(), "app", null);
    }

    @Test
    void aBlobArrivesWhole() throws Exception {
        serve(exchange -> FakeRegistry.sendBlob(exchange, LAYER));

        try (InputStream in = open(LAYER.length, Duration.ofSeconds(30))) {
            assertThat(in.readAllBytes()).isEqualTo(LAYER);
        }
    }

    @Test
    void tamperedContentIsAFetchProblemAtTheEnd() throws Exception {
        byte[] tampered = LAYER.clone();
        tampered[7] ^= 1;
        serve(exchange -> FakeRegistry.sendBlob(exchange, tampered));

        try (InputStream in = open(LAYER.length, Duration.ofSeconds(30))) {
            assertThatThrownBy(in::readAllBytes)
                    .isInstanceOfSatisfying(
                            LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.FETCH_FAILED))
                    .hasMessageContaining("arrived with content whose digest is");
        }
    }

    @Test
    void moreBytesThanTheManifestSaysIsCompressedTooLarge() throws Exception {
        serve(exchange -> FakeRegistry.sendBlob(exchange, LAYER));

        try (InputStream in = open(1024 * 1024, Duration.ofSeconds(30))) {
            assertThatThrownBy(in::readAllBytes)
                    .isInstanceOfSatisfying(LayerProblem.class, p -> {
                        assertThat(p.kind()).isEqualTo(LayerProblem.Kind.COMPRESSED_TOO_LARGE);
                        assertThat(p.retryable()).isFalse();
                    })
                    .hasMessageContaining("1048576-byte limit");
        }
    }

    @Test
    void aStalledBlobIsTooSlowAtTheDeadline() throws Exception {
        serve(FakeRegistry.stalledBlob(LAYER, 4096, testOver));

        long start = System.nanoTime();
        try (InputStream in = open(LAYER.length, Duration.ofSeconds(2))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOfSatisfying(LayerProblem.class, p -> {
                assertThat(p.kind()).isEqualTo(LayerProblem.Kind.TOO_SLOW);
                assertThat(p.retryable()).isTrue();
            });
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("bounded by the deadline, not hung")
                .isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void aMissingBlobIsAProblemThatRetryingDoesNotFix() throws Exception {
        serve(exchange -> send(exchange, 404, "application/json", FakeRegistry.errorBody("BLOB_UNKNOWN", "unknown")));

        assertThatThrownBy(() -> open(1024, Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(LayerProblem.class, p -> {
                    assertThat(p.kind()).isEqualTo(LayerProblem.Kind.FETCH_FAILED);
                    assertThat(p.retryable()).isFalse();
                })
                .hasMessageContaining("not found");
    }

    @Test
    void anUnreachableRegistryIsRetryable() throws Exception {
        serve(exchange -> FakeRegistry.sendBlob(exchange, LAYER));
        String address = fake.address();
        fake.close();
        fake = null;

        assertThatThrownBy(() -> source.open(new BlobSource.Request(
                        new BlobSource.Location(address, "app", null),
                        LAYER_DIGEST,
                        1024,
                        Deadline.in(Duration.ofSeconds(10)))))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.retryable()).isTrue());
    }

    @Test
    void theManifestGivesItsLayersConfigAndStringAnnotations() throws Exception {
        serve(exchange -> FakeRegistry.sendBlob(exchange, LAYER));

        BlobSource.ImageManifest manifest =
                source.manifest(location(), FakeRegistry.sha256(MANIFEST), Deadline.in(Duration.ofSeconds(30)));

        assertThat(manifest.configDigest()).isEqualTo(FakeRegistry.fakeDigest('c'));
        assertThat(manifest.configSize()).isEqualTo(1234);
        assertThat(manifest.layers())
                .containsExactly(new ImageFacts.Descriptor(
                        FakeRegistry.fakeDigest('1'), 99, "application/vnd.oci.image.layer.v1.tar+zstd"));
        assertThat(manifest.annotations())
                .isEqualTo(Map.of(
                        "org.opencontainers.image.base.name",
                        "docker.io/library/python:3.11",
                        "org.opencontainers.image.base.digest",
                        FakeRegistry.fakeDigest('b')));
    }

    @Test
    void anIndexIsNotAnImageManifest() throws Exception {
        serve(exchange -> FakeRegistry.sendBlob(exchange, LAYER));

        assertThatThrownBy(() ->
                        source.manifest(location(), FakeRegistry.sha256(INDEX), Deadline.in(Duration.ofSeconds(30))))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.UNSUPPORTED))
                .hasMessageContaining("is an index");
    }

    @Test
    void aManifestWithMoreLayersThanAllowedIsRefusedWhileRead() throws Exception {
        byte[] big = FakeRegistry.ociManifest(10, new long[] {1, 2, 3}, 0);
        fake = FakeRegistry.plainHttp(exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else {
                FakeRegistry.sendManifest(exchange, "application/vnd.oci.image.manifest.v1+json", big);
            }
        });
        source = new RegistryBlobSource(
                RegistryClient.create(ResolverConfig.defaults().withInsecureRegistries(Set.of(fake.address()))),
                2,
                true);

        assertThatThrownBy(() ->
                        source.manifest(location(), FakeRegistry.sha256(big), Deadline.in(Duration.ofSeconds(30))))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.UNSUPPORTED))
                .hasMessageContaining("more than 2 layers");
    }
}
