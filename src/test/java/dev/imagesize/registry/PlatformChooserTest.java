package dev.imagesize.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Platform selection in an index, as a table: the entries (as the index states their platforms; {@code -} for none,
 * {@code !} marks an attestation), what is asked, which entries need their config read, and what is chosen.
 */
class PlatformChooserTest {

    /**
     * One row.
     *
     * @param entries "os/arch[/variant]" per entry, "-" without a platform, a leading "!" for an attestation
     * @param configs the platform each entry's config names, where read (by entry number)
     * @param asked the selection: "all", or platforms separated by spaces
     * @param needingConfig the entries whose config must be read (numbers)
     * @param chosen the entries chosen (numbers, in order)
     * @param missing platforms nobody provides
     */
    record Row(
            String name,
            List<String> entries,
            Map<Integer, String> configs,
            String asked,
            List<Integer> needingConfig,
            List<Integer> chosen,
            List<String> missing) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                        new Row(
                                "one entry per platform: by the index alone",
                                List.of("linux/amd64", "linux/arm64"),
                                Map.of(),
                                "linux/arm64",
                                List.of(),
                                List.of(1),
                                List.of()),
                        new Row(
                                "aliases: x86_64 is amd64, arm64/v8 is arm64",
                                List.of("linux/x86_64", "linux/arm64/v8"),
                                Map.of(),
                                "linux/amd64 linux/arm64",
                                List.of(),
                                List.of(0, 1),
                                List.of()),
                        new Row(
                                "variants the index states need no config",
                                List.of("linux/arm/v6", "linux/arm/v7"),
                                Map.of(),
                                "linux/arm/v7",
                                List.of(),
                                List.of(1),
                                List.of()),
                        new Row(
                                "several arm entries without variants: each config is read",
                                List.of("linux/arm", "linux/arm"),
                                Map.of(0, "linux/arm/v6", 1, "linux/arm/v7"),
                                "linux/arm/v7",
                                List.of(0, 1),
                                List.of(1),
                                List.of()),
                        new Row(
                                "one arm entry without variant, the default variant asked: taken as v7",
                                List.of("linux/amd64", "linux/arm"),
                                Map.of(),
                                "linux/arm",
                                List.of(),
                                List.of(1),
                                List.of()),
                        new Row(
                                "one arm entry without variant, v6 asked: its config decides",
                                List.of("linux/amd64", "linux/arm"),
                                Map.of(1, "linux/arm/v7"),
                                "linux/arm/v6",
                                List.of(1),
                                List.of(),
                                List.of("linux/arm/v6")),
                        new Row(
                                "attestations are never chosen, not even for all platforms",
                                List.of("linux/amd64", "!unknown/unknown", "linux/s390x"),
                                Map.of(),
                                "all",
                                List.of(),
                                List.of(0, 2),
                                List.of()),
                        new Row(
                                "an annotated attestation with a real-looking platform is skipped too",
                                List.of("!linux/amd64", "linux/amd64"),
                                Map.of(),
                                "linux/amd64",
                                List.of(),
                                List.of(1),
                                List.of()),
                        new Row(
                                "an entry without a platform is read from its config; unknown there means not an image",
                                List.of("-", "-"),
                                Map.of(0, "unknown/unknown", 1, "linux/amd64"),
                                "linux/amd64",
                                List.of(0, 1),
                                List.of(1),
                                List.of()),
                        new Row(
                                "all platforms of arm images: variants are read to tell them apart",
                                List.of("linux/amd64", "linux/arm64"),
                                Map.of(1, "linux/arm64/v8"),
                                "all",
                                List.of(1),
                                List.of(0, 1),
                                List.of()),
                        new Row(
                                "two entries of one platform: the first wins",
                                List.of("linux/amd64", "linux/amd64"),
                                Map.of(),
                                "linux/amd64",
                                List.of(),
                                List.of(0),
                                List.of()),
                        new Row(
                                "nothing matches: missing, in the order asked",
                                List.of("linux/amd64"),
                                Map.of(),
                                "linux/s390x windows/amd64",
                                List.of(),
                                List.of(),
                                List.of("linux/s390x", "windows/amd64")))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void choosesAsTheTableSays(Row row) {
        List<Manifest.Entry> all = new ArrayList<>();
        for (int i = 0; i < row.entries().size(); i++) {
            String text = row.entries().get(i);
            boolean attestation = text.startsWith("!");
            String platform = attestation ? text.substring(1) : text;
            all.add(new Manifest.Entry(
                    "sha256:" + i,
                    null,
                    100,
                    platform.equals("-") ? null : Platform.parse(platform),
                    attestation ? Map.of("vnd.docker.reference.type", "attestation-manifest") : Map.of()));
        }
        PlatformSelection selection = row.asked().equals("all")
                ? PlatformSelection.allPlatforms()
                : PlatformSelection.of(Arrays.stream(row.asked().split(" "))
                        .map(Platform::parse)
                        .toList());
        List<Manifest.Entry> images = PlatformChooser.images(new Manifest.Index("sha256:idx", "x", all));

        List<Manifest.Entry> needing = PlatformChooser.needingConfig(images, selection);
        Map<String, Platform> fromConfig = new HashMap<>();
        for (Manifest.Entry entry : needing) {
            fromConfig.put(entry.digest(), Platform.parse(row.configs().get(all.indexOf(entry))));
        }
        PlatformChooser.Choice choice = PlatformChooser.choose(images, selection, fromConfig);

        assertThat(needing).extracting(all::indexOf).containsExactlyElementsOf(row.needingConfig());
        assertThat(choice.chosen())
                .extracting(chosen -> all.indexOf(chosen.entry()))
                .containsExactlyElementsOf(row.chosen());
        assertThat(choice.missing()).extracting(Platform::toString).containsExactlyElementsOf(row.missing());
    }
}
