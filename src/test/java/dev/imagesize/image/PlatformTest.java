package dev.imagesize.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlatformTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            nullValues = "null",
            value = {
                // text, os, architecture, variant
                "linux/amd64, linux, amd64, null",
                "linux/arm/v7, linux, arm, v7",
                "linux/arm64/v8, linux, arm64, v8",
                "windows/amd64, windows, amd64, null",
                "linux/x86_64, linux, x86_64, null",
            })
    void parsesOsArchitectureAndVariant(String text, String os, String architecture, String variant) {
        Platform platform = Platform.parse(text);

        assertThat(platform).isEqualTo(new Platform(os, architecture, variant));
        assertThat(platform).hasToString(text);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource(
            delimiter = '|',
            value = {
                // text | expected message fragment
                "''| expected os/arch or os/arch/variant",
                "'   '| expected os/arch or os/arch/variant",
                "linux| not 1 part",
                "linux/arm/v7/extra| not 4 parts",
                "/amd64| the os is empty",
                "linux/| the architecture is empty",
                "linux/arm/| the variant is empty",
                "linux//v7| the architecture is empty",
                "linux/amd 64| the architecture \"amd 64\" may only contain",
            })
    void rejectsMalformedPlatforms(String text, String messageFragment) {
        assertThatThrownBy(() -> Platform.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid platform \"" + text + "\"")
                .hasMessageContaining(messageFragment.strip());
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> Platform.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "linux/amd64, linux/amd64",
        "linux/x86_64, linux/amd64",
        "linux/x86-64, linux/amd64",
        "linux/amd64/v1, linux/amd64",
        "linux/amd64/v2, linux/amd64/v2",
        "linux/aarch64, linux/arm64",
        "linux/arm64/v8, linux/arm64",
        "linux/arm64/8, linux/arm64",
        "linux/aarch64/v8, linux/arm64",
        "linux/arm64/v9, linux/arm64/v9",
        "linux/arm, linux/arm/v7",
        "linux/arm/7, linux/arm/v7",
        "linux/arm/6, linux/arm/v6",
        "linux/armhf, linux/arm/v7",
        "linux/armel, linux/arm/v6",
        "linux/i386, linux/386",
        "Linux/AMD64, linux/amd64",
        "macos/arm64, darwin/arm64",
        "linux/s390x, linux/s390x",
    })
    void normalizesLikeContainerd(String text, String canonical) {
        assertThat(Platform.parse(text).normalized()).isEqualTo(Platform.parse(canonical));
    }

    @Test
    void normalizedTreatsAnEmptyVariantAsNone() {
        assertThat(new Platform("linux", "amd64", "").normalized()).isEqualTo(Platform.LINUX_AMD64);
    }

    @ParameterizedTest(name = "{0} runs {1}: {2}")
    @CsvSource({
        "linux/amd64, linux/amd64, true",
        "linux/amd64, linux/x86_64, true",
        "linux/x86_64, linux/amd64, true",
        "linux/amd64, linux/amd64/v1, true",
        "linux/arm64, linux/arm64/v8, true",
        "linux/arm64/v8, linux/aarch64, true",
        "linux/arm, linux/arm/v7, true",
        "linux/arm/v7, linux/armhf, true",
        "linux/arm/v6, linux/armel, true",
        "linux/arm/v7, linux/arm/v6, false",
        "linux/arm/v6, linux/arm/v7, false",
        "linux/arm, linux/arm/v6, false",
        "linux/amd64, linux/arm64, false",
        "linux/amd64, windows/amd64, false",
        "linux/amd64, linux/amd64/v2, false",
        "linux/arm64, linux/arm/v7, false",
        "linux/amd64, unknown/unknown, false",
    })
    void matchesAfterNormalizing(String node, String candidate, boolean expected) {
        assertThat(Platform.parse(node).matches(Platform.parse(candidate))).isEqualTo(expected);
    }

    @Test
    void matchesNothingForNull() {
        assertThat(Platform.LINUX_AMD64.matches(null)).isFalse();
    }

    @Test
    void recognizesAttestationEntries() {
        assertThat(Platform.parse("unknown/unknown").isUnknown()).isTrue();
        assertThat(Platform.LINUX_AMD64.isUnknown()).isFalse();
    }
}
