package dev.imagesize.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlatformAndByteSizeTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
        "linux/amd64, linux/amd64, true",
        "linux/amd64, linux/x86_64, true",
        "linux/amd64/v1, linux/amd64, true",
        "linux/arm64, linux/arm64/v8, true",
        "linux/arm64, linux/aarch64, true",
        "linux/arm/v7, linux/arm, true",
        "linux/arm/v7, linux/arm/v6, false",
        "linux/arm/v6, linux/armel, true",
        "linux/amd64, linux/arm64, false",
        "linux/amd64, windows/amd64, false",
    })
    void matchesLikeContainerd(String wanted, String candidate, boolean matches) {
        assertThat(Platform.parse(wanted).matches(Platform.parse(candidate))).isEqualTo(matches);
    }

    @Test
    void parsesAndPrintsPlatforms() {
        assertThat(Platform.parse("linux/arm/v7")).isEqualTo(new Platform("linux", "arm", "v7"));
        assertThat(Platform.parse("linux/amd64").toString()).isEqualTo("linux/amd64");
        assertThat(new Platform("unknown", "unknown", null).isUnknown()).isTrue();
        for (String bad : List.of("linux", "linux/", "/amd64", "a/b/c/d", "")) {
            assertThatThrownBy(() -> Platform.parse(bad)).hasMessageContaining("expected os/arch");
        }
    }

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource({
        "0, 0",
        "512, 512",
        "1Ki, 1024",
        "200Mi, 209715200",
        "1.5Gi, 1610612736",
        "100M, 100000000",
        "1G, 1000000000",
        "1k, 1000",
        "1e3, 1000",
        "1E6, 1000000",
        "0.5, 1",
        "4Ei, 4611686018427387904",
    })
    void parsesKubernetesQuantities(String quantity, long bytes) {
        assertThat(ByteSize.parse(quantity)).isEqualTo(bytes);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "-1Mi| must not be negative",
                "100m| m means milli",
                "20 MB| expected a number",
                "1MB| expected a number",
                "abc| expected a number",
                "8Ei| too large",
            })
    void refusesBadQuantitiesNamingThem(String quantity, String message) {
        assertThatThrownBy(() -> ByteSize.parse(quantity))
                .hasMessageContaining("\"" + quantity + "\"")
                .hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0} bytes = {1}")
    @CsvSource({
        "0, 0 B",
        "1023, 1023 B",
        "1024, 1.0 KiB",
        "1536, 1.5 KiB",
        "851705856, 812.3 MiB",
        "4294967296, 4.0 GiB",
        "9223372036854775807, 8.0 EiB",
    })
    void formatsInBinaryUnits(long bytes, String text) {
        assertThat(ByteSize.format(bytes)).isEqualTo(text);
    }

    @Test
    void imageSizeIsConfigPlusLayersAndLayersSortLargestFirst() {
        ImageSize size = new ImageSize(
                ImageRef.parse("app"),
                null,
                "sha256:m",
                Platform.LINUX_AMD64,
                "application/vnd.oci.image.manifest.v1+json",
                100,
                List.of(new Layer("a", 10, "t"), new Layer("b", 30, "t"), new Layer("c", 20, "t")));
        assertThat(size.compressedSizeBytes()).isEqualTo(160);
        assertThat(size.largestLayer()).map(Layer::digest).hasValue("b");
        assertThat(size.layersLargestFirst()).extracting(Layer::digest).containsExactly("b", "c", "a");
    }
}
