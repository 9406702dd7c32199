package dev.imagesize.analysis;

import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.Deadline;
import dev.imagesize.testing.TestLayers;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The analyzer over a fake blob source: layer problems are reported in the result, shared layers read once. */
class ImageAnalyzerTest {
    private static final Deadline MINUTE = Deadline.in(Duration.ofMinutes(1));

    /** Blobs in memory, counting downloads. */
    static final class FakeBlobs implements BlobSource {
        final Map<String, byte[]> blobs = new HashMap<>();
        final Map<String, ImageManifest> manifests = new HashMap<>();
        final Map<String, AtomicInteger> downloads = new ConcurrentHashMap<>();

        String put(byte[] blob) {
            String digest = TestLayers.sha256(blob);
            blobs.put(digest, blob);
            return digest;
        }

        /** An image of gzip layers; returns its manifest digest. */
        String image(String name, List<byte[]> tars) {
            List<ImageFacts.Descriptor> layers = new ArrayList<>();
            List<String> diffIds = new ArrayList<>();
            StringBuilder history = new StringBuilder();
            for (byte[] tar : tars) {
                byte[] gz = TestLayers.gzip(tar);
                layers.add(
                        new ImageFacts.Descriptor(put(gz), gz.length, "application/vnd.oci.image.layer.v1.tar+gzip"));
                diffIds.add("\"" + TestLayers.sha256(tar) + "\"");
                history.append(history.length() == 0 ? "" : ",")
                        .append("{\"created_by\":\"step ")
                        .append(diffIds.size())
                        .append("\"}");
            }
            byte[] config =
                    ("{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                                    + String.join(",", diffIds) + "]},\"history\":[" + history + "]}")
                            .getBytes(StandardCharsets.UTF_8);
            String digest = "sha256:" + name.repeat(64).substring(0, 64);
            manifests.put(digest, new ImageManifest(digest, put(config), config.length, layers, Map.of()));
            return digest;
        }

        @Override
        public InputStream open(Request request) throws LayerProblem {
            byte[] blob = blobs.get(request.digest());
            if (blob == null) {
                throw new LayerProblem(LayerProblem.Kind.FETCH_FAILED, "blob unknown " + request.digest());
            }
            downloads
                    .computeIfAbsent(request.digest(), d -> new AtomicInteger())
                    .incrementAndGet();
            return new ByteArrayInputStream(blob);
        }

        @Override
        public ImageManifest manifest(Location location, String digest, Deadline deadline) throws LayerProblem {
            ImageManifest manifest = manifests.get(digest);
            if (manifest == null) {
                throw new LayerProblem(LayerProblem.Kind.FETCH_FAILED, "manifest unknown " + digest);
            }
            return manifest;
        }

        @Override
        public void close() {}
    }

    private static ImageAnalyzer analyzer(FakeBlobs blobs, AnalysisLimits limits, LayerIndexCache cache) {
        return new ImageAnalyzer(
                blobs,
                cache,
                limits,
                new ImageComposer(FindingRules.builtIn(), BaseCatalog.builtIn(), StatusBudget.DEFAULT_BYTES),
                2);
    }

    private static ImageAnalyzer.Target target(String digest) {
        return new ImageAnalyzer.Target(new BlobSource.Location("reg", "repo", null), digest, "linux/amd64");
    }

    @Test
    void twoImagesSharingABaseReadTheBaseLayerOnce() throws Exception {
        FakeBlobs blobs = new FakeBlobs();
        byte[] base = layer().file("bin/sh", 10_000, 1).tar();
        String a = blobs.image("a", List.of(base, layer().file("a", 10, 2).tar()));
        String b = blobs.image("b", List.of(base, layer().file("b", 10, 3).tar()));
        LayerIndexCache cache = new LayerIndexCache(64L << 20);
        try (ImageAnalyzer analyzer = analyzer(blobs, AnalysisLimits.defaults(), cache)) {
            assertThat(analyzer.analyze(target(a), MINUTE, ImageAnalyzer.Listener.NONE)
                            .complete())
                    .isTrue();
            assertThat(analyzer.analyze(target(b), MINUTE, ImageAnalyzer.Listener.NONE)
                            .complete())
                    .isTrue();
        }
        String baseDigest = blobs.manifests.get(a).layers().get(0).digest();
        assertThat(blobs.downloads.get(baseDigest).get()).isEqualTo(1);
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.misses()).isEqualTo(3);
    }

    @Test
    void aLayerOverALimitIsReportedAndTheRestStillAnalysed() throws Exception {
        FakeBlobs blobs = new FakeBlobs();
        String image = blobs.image(
                "c",
                List.of(
                        layer().file("small", 10, 1).tar(),
                        layer().file("big", 200_000, 2).tar()));
        try (ImageAnalyzer analyzer = analyzer(
                blobs,
                AnalysisLimits.defaults().toBuilder()
                        .maxUncompressedBytes(100_000)
                        .build(),
                new LayerIndexCache(1 << 20))) {
            ImageAnalysis analysis = analyzer.analyze(target(image), MINUTE, ImageAnalyzer.Listener.NONE);
            assertThat(analysis.complete()).isFalse();
            assertThat(analysis.status().phase()).isEqualTo("Failed");
            assertThat(analysis.status().layers().get(0).sizeBytes()).isEqualTo(10);
            assertThat(analysis.status().layers().get(1).problem()).contains("100000-byte uncompressed limit");
            assertThat(analysis.status().conditions())
                    .anySatisfy(c -> assertThat(c.reason()).isEqualTo("UncompressedTooLarge"));
            assertThat(analysis.status().dive()).isNull();
        }
    }

    @Test
    void theEntriesOfAllLayersTogetherAreBounded() throws Exception {
        FakeBlobs blobs = new FakeBlobs();
        TestLayers.Builder many = layer();
        for (int i = 0; i < 30; i++) {
            many.file("f" + i, 1, i);
        }
        String image = blobs.image(
                "f",
                List.of(
                        many.tar(),
                        layer().file("g", 1, 1).tar(),
                        layer().file("h", 1, 2).tar()));
        try (ImageAnalyzer analyzer = analyzer(
                blobs,
                AnalysisLimits.defaults().toBuilder().maxImageEntries(31).build(),
                new LayerIndexCache(1 << 20))) {
            ImageAnalysis analysis = analyzer.analyze(target(image), MINUTE, ImageAnalyzer.Listener.NONE);
            assertThat(analysis.complete()).isFalse();
            // layers are read in parallel: whichever finishes last crosses the bound
            assertThat(analysis.status().layers())
                    .filteredOn(layer -> layer.problem() != null)
                    .singleElement()
                    .satisfies(layer -> assertThat(layer.problem()).contains("more than 31 entries"));
        }
    }

    @Test
    void aConfigThatDisagreesWithTheManifestIsAProblemNotACrash() {
        FakeBlobs blobs = new FakeBlobs();
        String image = blobs.image("d", List.of(layer().file("x", 10, 1).tar()));
        BlobSource.ImageManifest manifest = blobs.manifests.get(image);
        List<ImageFacts.Descriptor> two = new ArrayList<>(manifest.layers());
        two.add(manifest.layers().get(0));
        blobs.manifests.put(
                image,
                new BlobSource.ImageManifest(image, manifest.configDigest(), manifest.configSize(), two, Map.of()));
        try (ImageAnalyzer analyzer = analyzer(blobs, AnalysisLimits.defaults(), new LayerIndexCache(1 << 20))) {
            assertThatThrownBy(() -> analyzer.analyze(target(image), MINUTE, ImageAnalyzer.Listener.NONE))
                    .isInstanceOf(LayerProblem.class)
                    .hasMessageContaining("the manifest has 2 layers but the config lists 1 diffIDs");
        }
    }

    @Test
    void aBlobThatIsNotTheLayerTheConfigNamesIsRefused() throws Exception {
        FakeBlobs blobs = new FakeBlobs();
        String image = blobs.image("e", List.of(layer().file("x", 10, 1).tar()));
        String digest = blobs.manifests.get(image).layers().get(0).digest();
        blobs.blobs.put(digest, TestLayers.gzip(layer().file("swapped", 10, 9).tar()));
        try (ImageAnalyzer analyzer = analyzer(blobs, AnalysisLimits.defaults(), new LayerIndexCache(1 << 20))) {
            ImageAnalysis analysis = analyzer.analyze(target(image), MINUTE, ImageAnalyzer.Listener.NONE);
            assertThat(analysis.status().layers().get(0).problem()).contains("the image config says");
        }
    }
}
