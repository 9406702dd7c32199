package dev.imagesize.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.image.Platform;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import dev.imagesize.testing.TestTls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code imagesize check} run as a real process (bin/imagesize), as a CI pipeline runs it. */
class CheckCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalRegistry plain;
    private static LocalRegistry tls;
    private static Pushed small;
    private static Pushed large;

    record Run(int exitCode, String stdout, String stderr) {}

    @BeforeAll
    static void images() {
        plain = LocalRegistry.sharedPlain();
        tls = LocalRegistry.sharedTls();
        small = TestImages.push(plain, "cli/small", "1.0", Format.OCI, 300_000, 200_000); // ~0.5 MiB
        large = TestImages.push(plain, "cli/large", "1.0", Format.DOCKER, 3_000_000, 1_500_000); // ~4.3 MiB
    }

    static Run imagesize(String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of(TestCluster.projectDir().resolve("bin/imagesize").toString(), "check"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("IMAGESIZE_JAVA_OPTS", String.join(" ", TestTls.javaOptions()));
        builder.environment()
                .put(
                        "DOCKER_CONFIG",
                        Files.createTempDirectory("no-docker-config").toString());
        Path out = Files.createTempFile("imagesize-out", ".txt");
        Path err = Files.createTempFile("imagesize-err", ".txt");
        Process process =
                builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS))
                .as("imagesize finished")
                .isTrue();
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void exitsZeroWhenWithinBudgetAndPrintsSizesAndLayers() throws Exception {
        Run run = imagesize(small.reference(), "--max", "1Mi", "--insecure-registry", plain.hostPort());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout())
                .contains("WITHIN")
                .contains(small.reference())
                .contains("(" + small.compressedSize() + " bytes)")
                .contains(small.digest())
                .contains("293.0 KiB   300000") // the larger layer, listed first
                .contains("1 within budget, 0 over, 0 unknown");
    }

    @Test
    void exitsOneWhenOverBudgetNamingTheLimitAndTheExcess() throws Exception {
        Run run = imagesize(
                small.reference(),
                large.reference(),
                "--max",
                "2Mi",
                "--max-layer-size",
                "2Mi",
                "--insecure-registry",
                plain.hostPort());
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isEqualTo(1);
        assertThat(run.stdout())
                .contains("OVER    " + large.reference())
                .contains("is 4.3 MiB compressed, over the 2.0 MiB maxImageSize and with a 2.9 MiB layer")
                .contains("over the 2.0 MiB maxLayerSize of imagesize check --max 2Mi --max-layer-size 2Mi")
                .contains("1 within budget, 1 over, 0 unknown");
    }

    @Test
    void exitsTwoWhenASizeCannotBeDeterminedOrTheInputIsWrong() throws Exception {
        Run missing = imagesize(
                plain.hostPort() + "/cli/missing:1.0", "--max", "1Mi", "--insecure-registry", plain.hostPort());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stdout()).contains("UNKNOWN").contains("NOT_FOUND");

        Run platform = imagesize(
                small.reference(),
                "--max",
                "1Mi",
                "--platform",
                "linux/arm64",
                "--insecure-registry",
                plain.hostPort());
        assertThat(platform.exitCode()).isEqualTo(2);
        assertThat(platform.stdout())
                .contains("PLATFORM_MISSING")
                .contains("has no linux/arm64 image (it has: linux/amd64)");

        Run invalid = imagesize("Not/Valid", "--max", "1Mi");
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(invalid.stderr())
                .contains("invalid image reference \"Not/Valid\"")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");

        Run noLimit = imagesize(small.reference());
        assertThat(noLimit.exitCode()).isEqualTo(2);
        assertThat(noLimit.stderr()).contains("give at least one limit");

        Run badSize = imagesize(small.reference(), "--max", "20 MB");
        assertThat(badSize.exitCode()).isEqualTo(2);
        assertThat(badSize.stderr()).contains("invalid size \"20 MB\"");
    }

    @Test
    void jsonCarriesTheSameDataWithStableFieldNames() throws Exception {
        Pushed arm = TestImages.push(plain, "cli/multi", "arm", Format.OCI, Platform.parse("linux/arm64/v8"), 4_000);
        Pushed amd = TestImages.push(plain, "cli/multi", "amd", Format.OCI, Platform.parse("linux/amd64"), 9_000);
        TestImages.pushIndex(plain, "cli/multi", "1.0", true, true, List.of(amd, arm));

        Run run = imagesize(
                plain.hostPort() + "/cli/multi:1.0",
                "--all-platforms",
                "--max",
                "6000",
                "-o",
                "json",
                "--insecure-registry",
                plain.hostPort());
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(1);
        JsonNode report = JSON.readTree(run.stdout());
        assertThat(report.path("exitCode").asInt()).isEqualTo(1);
        JsonNode results = report.path("results");
        assertThat(results).hasSize(2);
        JsonNode first = results.get(0);
        assertThat(first.path("platform").asText()).isEqualTo("linux/amd64");
        assertThat(first.path("status").asText()).isEqualTo("over");
        assertThat(first.path("sizeBytes").asLong()).isEqualTo(amd.compressedSize());
        assertThat(first.path("manifestDigest").asText()).isEqualTo(amd.digest());
        assertThat(first.path("indexDigest").asText()).startsWith("sha256:");
        assertThat(first.path("layers").get(0).path("sizeBytes").asLong()).isEqualTo(9_000);
        assertThat(first.path("violations").get(0).path("limit").asText()).isEqualTo("maxImageSize");
        assertThat(first.path("violations").get(0).path("excess").asLong()).isEqualTo(amd.compressedSize() - 6000);
        JsonNode second = results.get(1);
        assertThat(second.path("platform").asText()).isEqualTo("linux/arm64/v8");
        assertThat(second.path("status").asText()).isEqualTo("within");
    }

    @Test
    void readsCredentialsFromADockerConfigForTheTlsRegistry() throws Exception {
        Pushed secret = TestImages.push(tls, "cli/private", "1.0", Format.DOCKER, 10_000);
        Path config = Files.createTempFile("docker-config", ".json");
        String auth = Base64.getEncoder()
                .encodeToString((tls.user() + ":" + tls.password()).getBytes(StandardCharsets.UTF_8));
        Files.writeString(config, "{\"auths\":{\"" + tls.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}");

        Run ok = imagesize(secret.reference(), "--max", "1Mi", "--docker-config", config.toString());
        assertThat(ok.exitCode()).as(ok.stdout() + ok.stderr()).isZero();

        Run denied = imagesize(secret.reference(), "--max", "1Mi");
        assertThat(denied.exitCode()).isEqualTo(2);
        assertThat(denied.stdout()).contains("UNAUTHORIZED").doesNotContain(tls.password());
    }

    @Test
    void aBaselineImageOrAnEarlierJsonReportIsWhatMaxGrowthComparesWith() throws Exception {
        Pushed before = TestImages.push(plain, "cli/growth", "1.0", Format.OCI, 1_000_000);
        Pushed after = TestImages.push(plain, "cli/growth", "1.1", Format.OCI, 1_000_000, 400_000);
        String insecure = plain.hostPort();

        Run over = imagesize(
                after.reference(),
                "--baseline",
                before.reference(),
                "--max-growth",
                "20%",
                "--insecure-registry",
                insecure);
        assertThat(over.exitCode()).as(over.stderr()).isEqualTo(1);
        String sentence = "image \"" + after.reference() + "\" (" + after.digest() + ", linux/amd64) is 1.3 MiB, 40%"
                + " larger than \"" + before.reference() + "\" (976.7 KiB, " + before.digest() + ") it replaces; the"
                + " maxGrowth of imagesize check --max-growth 20% is 20%; new layers: ";
        assertThat(over.stdout()).contains("OVER").contains(sentence).contains("1 over");

        Run within = imagesize(
                after.reference(),
                "--baseline",
                before.reference(),
                "--max-growth",
                "50%",
                "--insecure-registry",
                insecure);
        assertThat(within.exitCode()).as(within.stdout() + within.stderr()).isZero();

        // the previous pipeline run's -o json is the baseline: the same verdict and sentence
        Run earlier = imagesize(before.reference(), "--max", "1Gi", "-o", "json", "--insecure-registry", insecure);
        assertThat(earlier.exitCode()).as(earlier.stderr()).isZero();
        Path report = Files.createTempFile("imagesize-previous-run", ".json");
        Files.writeString(report, earlier.stdout());
        Run fromFile = imagesize(
                after.reference(),
                "--baseline-file",
                report.toString(),
                "--max-growth",
                "20%",
                "--insecure-registry",
                insecure);
        assertThat(fromFile.exitCode()).as(fromFile.stderr()).isEqualTo(1);
        assertThat(fromFile.stdout()).contains(sentence);
        Files.delete(report);
    }

    @Test
    void growthOptionsUsedWronglyExitTwoSayingWhatIsMissing() throws Exception {
        Run noBaseline = imagesize(small.reference(), "--max-growth", "20%");
        assertThat(noBaseline.exitCode()).isEqualTo(2);
        assertThat(noBaseline.stderr()).contains("give --baseline IMAGE or --baseline-file FILE");

        Run noGrowth = imagesize(small.reference(), "--max", "1Mi", "--baseline", large.reference());
        assertThat(noGrowth.exitCode()).isEqualTo(2);
        assertThat(noGrowth.stderr()).contains("give --max-growth too");

        Run noUnit = imagesize(small.reference(), "--max-growth", "20", "--baseline", large.reference());
        assertThat(noUnit.exitCode()).isEqualTo(2);
        assertThat(noUnit.stderr()).contains("has no unit: write 20% for a percentage");

        Run missingFile =
                imagesize(small.reference(), "--max-growth", "20%", "--baseline-file", "/nonexistent/run.json");
        assertThat(missingFile.exitCode()).isEqualTo(2);
        assertThat(missingFile.stderr())
                .contains("/nonexistent/run.json")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");

        Path notJson = Files.createTempFile("imagesize-not-json", ".json");
        Files.writeString(notJson, "this is not a report");
        Run garbage = imagesize(small.reference(), "--max-growth", "20%", "--baseline-file", notJson.toString());
        assertThat(garbage.exitCode()).isEqualTo(2);
        assertThat(garbage.stderr()).contains(notJson.toString()).doesNotContain("\tat ");
        Files.delete(notJson);
    }
}
