package dev.imagesize.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageSizeTest {

    private static final ImageRef NGINX = ImageRef.parse("nginx:1.27");
    private static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

    private static ImageSize withLayers(long configSize, Layer... layers) {
        return new ImageSize(
                NGINX,
                null,
                "sha256:" + "1".repeat(64),
                Platform.LINUX_AMD64,
                "application/vnd.oci.image.manifest.v1+json",
                configSize,
                List.of(layers));
    }

    private static Layer layer(String name, long size) {
        return new Layer("sha256:" + name.repeat(64), size, LAYER_TYPE);
    }

    @Test
    void compressedSizeIsTheConfigPlusEveryLayer() {
        ImageSize size = withLayers(1_500, layer("a", 100), layer("b", 30_000), layer("c", 2_000));

        assertThat(size.compressedSizeBytes()).isEqualTo(33_600);
    }

    @Test
    void largestLayerAndLayersLargestFirstKeepManifestOrderForTies() {
        Layer a = layer("a", 100);
        Layer b = layer("b", 30_000);
        Layer c = layer("c", 2_000);
        Layer d = layer("d", 30_000);
        ImageSize size = withLayers(1_500, a, b, c, d);

        assertThat(size.largestLayer())
                .hasValueSatisfying(l -> assertThat(l.sizeBytes()).isEqualTo(30_000));
        assertThat(size.layersLargestFirst()).containsExactly(b, d, c, a);
        assertThat(size.layers()).as("manifest order is untouched").containsExactly(a, b, c, d);
    }

    @Test
    void anImageWithoutLayersWeighsItsConfig() {
        ImageSize size = withLayers(700);

        assertThat(size.compressedSizeBytes()).isEqualTo(700);
        assertThat(size.largestLayer()).isEmpty();
        assertThat(size.layersLargestFirst()).isEmpty();
    }

    @Test
    void layersCannotBeChangedFromOutside() {
        ArrayList<Layer> layers = new ArrayList<>(List.of(layer("a", 1)));
        ImageSize size = new ImageSize(NGINX, null, "sha256:" + "1".repeat(64), Platform.LINUX_AMD64, "m", 0, layers);
        layers.add(layer("b", 2));

        assertThat(size.layers()).hasSize(1);
    }
}
