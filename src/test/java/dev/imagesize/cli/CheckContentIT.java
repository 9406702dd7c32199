package dev.imagesize.cli;

import static dev.imagesize.cli.CheckCommandIT.imagesize;
import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.cli.CheckCommandIT.Run;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.OciImages;
import dev.imagesize.testing.OciImages.Spec;
import dev.imagesize.testing.OciImages.Step;
import dev.imagesize.testing.TestLayers;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code imagesize check} with the content limits, as a real process against the real registry, on an image whose
 * figures are known by construction: each limit passes at its exact value and fails one unit past it, the figures are
 * the overlay ones the cluster's policies read (not dive's), and without a content limit no layer is downloaded.
 */
class CheckContentIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Layer 1 ships a (4,000 B), b (4,000 B) and d (16,000 B); layer 2 overwrites a (4,000 B), deletes b and adds c
     * (4,000 B). Uncompressed (tar header sizes): 32,000 B; shipped 32,000 B; visible a + c + d = 24,000 B; hidden
     * (overlay): the first a and b, 8,000 B; efficiency 0.75. dive counts both copies of a and b: 12,000 B.
     */
    private static final long UNCOMPRESSED = 32_000;

    private static final long WASTED = 8_000;
    private static final long DIVE_WASTED = 12_000;

    private static LocalRegistry registry;
    private static String repository;
    private static String reference;
    private static OciImages.Layout image;
    private static String broken;
    private static String notTarLayer;

    @BeforeAll
    static void images() {
        registry = LocalRegistry.sharedPlain();
        repository = "check-content/" + UUID.randomUUID().toString().substring(0, 8);
        image = OciImages.write(
                Spec.of(
                        Step.layer(
                                "ADD rootfs.tar /",
                                layer().file("a", 4_000, 1).file("b", 4_000, 2).file("d", 16_000, 3)),
                        Step.layer(
                                "/bin/sh -c make && rm b",
                                layer().file("a", 4_000, 4).whiteout("b").file("c", 4_000, 5))),
                "1.0");
        reference = OciImages.push(image, registry, repository);
        // a layer whose bytes are not a tar: the analysis of it fails
        OciImages.Layout notTar =
                OciImages.write(Spec.of(new Step("ADD garbage /", TestLayers.content(5_000, 9))), "broken");
        broken = OciImages.push(notTar, registry, repository);
        notTarLayer = notTar.layerDigests().get(0);
    }

    private static Run check(String... limits) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(reference));
        args.addAll(List.of(limits));
        args.addAll(List.of("--insecure-registry", registry.hostPort()));
        return imagesize(args.toArray(String[]::new));
    }

    @Test
    void maxUncompressedPassesAtTheLimitAndFailsOneByteUnder() throws Exception {
        Run at = check("--max-uncompressed", String.valueOf(UNCOMPRESSED));
        assertThat(at.exitCode()).as(at.stdout() + at.stderr()).isZero();
        assertThat(at.stdout())
                .contains("WITHIN")
                .contains("content: 31.3 KiB uncompressed (32000 bytes), efficiency 75.0%, 7.8 KiB hidden by later"
                        + " layers (8000 bytes)");

        Run over = check("--max-uncompressed", String.valueOf(UNCOMPRESSED - 1));
        assertThat(over.exitCode()).as(over.stdout() + over.stderr()).isEqualTo(1);
        assertThat(over.stdout())
                .contains("OVER")
                .contains("with 31.3 KiB uncompressed, over the 31.2 KiB maxUncompressedSize of imagesize check"
                        + " --max-uncompressed 31999");
    }

    @Test
    void minEfficiencyPassesAtTheLimitAndFailsOnePartPerMillionAbove() throws Exception {
        Run at = check("--min-efficiency", "0.75");
        assertThat(at.exitCode()).as(at.stdout() + at.stderr()).isZero();

        Run over = check("--min-efficiency", "0.750001");
        assertThat(over.exitCode()).as(over.stdout() + over.stderr()).isEqualTo(1);
        assertThat(over.stdout())
                .contains("with 75.0000% efficiency, under the 75.0001% minEfficiency of imagesize check"
                        + " --min-efficiency 0.750001");
    }

    @Test
    void maxWastedReadsTheOverlayHiddenBytesAsThePoliciesDoNotDives() throws Exception {
        Run at = check("--max-wasted", String.valueOf(WASTED));
        assertThat(at.exitCode())
                .as("dive's %d wasted bytes would fail; the policies read the overlay's %d", DIVE_WASTED, WASTED)
                .isZero();

        Run over = check("--max-wasted", String.valueOf(WASTED - 1));
        assertThat(over.exitCode()).as(over.stdout() + over.stderr()).isEqualTo(1);
        assertThat(over.stdout())
                .contains("with 7.813 KiB hidden by later layers, over the 7.812 KiB maxWastedBytes of imagesize"
                        + " check --max-wasted 7999");
    }

    @Test
    void jsonCarriesTheFiguresAndEachBreach() throws Exception {
        Run run = check(
                "--max-uncompressed",
                String.valueOf(UNCOMPRESSED - 1),
                "--min-efficiency",
                "0.8",
                "--max-wasted",
                String.valueOf(WASTED),
                "-o",
                "json");
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(1);
        assertThat(run.stderr()).as("no progress display with -o json").isEmpty();
        JsonNode result = JSON.readTree(run.stdout()).path("results").get(0);
        assertThat(result.path("status").asText()).isEqualTo("over");
        JsonNode content = result.path("content");
        assertThat(content.path("uncompressedBytes").asLong()).isEqualTo(UNCOMPRESSED);
        assertThat(content.path("efficiency").asDouble()).isEqualTo(0.75);
        assertThat(content.path("wastedBytes").asLong()).isEqualTo(WASTED);
        assertThat(result.path("violations").findValuesAsText("limit"))
                .containsExactly("maxUncompressedSize", "minEfficiency");
        assertThat(result.path("violations").get(1).path("actual").asLong()).isEqualTo(750_000);
        assertThat(result.path("violations").get(1).path("allowed").asLong()).isEqualTo(800_000);
        assertThat(result.path("message").asText())
                .contains("with 31.3 KiB uncompressed, over the 31.2 KiB maxUncompressedSize and with 75.0%"
                        + " efficiency, under the 80.0% minEfficiency of imagesize check");
    }

    @Test
    void withoutAContentLimitNoLayerIsDownloaded() throws Exception {
        String layers = "/v2/" + repository + "/blobs/(" + String.join("|", image.layerDigests()) + ")";
        long before = registry.requestCount("GET", layers);

        Run sizeOnly = check("--max", "1Mi", "--max-layers", "5");
        assertThat(sizeOnly.exitCode())
                .as(sizeOnly.stdout() + sizeOnly.stderr())
                .isZero();
        assertThat(sizeOnly.stdout()).doesNotContain("content:");
        assertThat(registry.requestCount("GET", layers))
                .as("layer GETs of a check without content limits")
                .isEqualTo(before);

        Run content = check("--max", "1Mi", "--max-wasted", "1Mi");
        assertThat(content.exitCode()).as(content.stdout() + content.stderr()).isZero();
        assertThat(registry.requestCount("GET", layers))
                .as("each layer read once by a check with a content limit")
                .isEqualTo(before + image.layerDigests().size());
    }

    @Test
    void aLayerThatCannotBeAnalysedIsExitTwoNamingWhy() throws Exception {
        Run run = imagesize(broken, "--max-uncompressed", "1Gi", "--insecure-registry", registry.hostPort());
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isEqualTo(2);
        assertThat(run.stdout())
                .contains("UNKNOWN")
                .contains("content not analysed (")
                .contains("Malformed: layer 0 (" + notTarLayer + "): layer is not a valid tar stream")
                .contains("so the maxUncompressedSize of imagesize check --max-uncompressed 1Gi is not checked")
                .contains("0 within budget, 0 over, 1 unknown");
        assertThat(run.stderr()).doesNotContain("Exception").doesNotContain("\tat ");

        Run json = imagesize(broken, "--max-wasted", "1Gi", "-o", "json", "--insecure-registry", registry.hostPort());
        assertThat(json.exitCode()).isEqualTo(2);
        JsonNode result = JSON.readTree(json.stdout()).path("results").get(0);
        assertThat(result.path("status").asText()).isEqualTo("unknown");
        assertThat(result.path("content").path("error").asText()).startsWith("Malformed: layer 0");
    }

    @Test
    void anEfficiencyOutsideZeroToOneIsRefusedBeforeAnyLookup() throws Exception {
        Run run = check("--min-efficiency", "1.5");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr())
                .contains("--min-efficiency must be a share from 0 to 1 such as 0.9")
                .contains("not \"1.5\"")
                .doesNotContain("\tat ");
        assertThat(run.stdout()).isEmpty();
    }
}
