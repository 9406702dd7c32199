package dev.imagesize.analysis;

import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.OciImages;
import dev.imagesize.testing.OciImages.Spec;
import dev.imagesize.testing.OciImages.Step;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code imagesize analyze} on images that reproduce each named finding, as a real process against the real registry:
 * the right rule, bytes, layer, step and fix; a clean multi-stage-style image has no finding; a base from a test
 * catalog is recognised and compared with its alternative; CI rules and exit codes as dive's and as {@code check}'s.
 */
class AnalyzeFindingsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APT = "/bin/sh -c apt-get update && apt-get install -y curl";
    private static final String PIP = "/bin/sh -c pip install requests";
    private static final String NPM = "/bin/sh -c npm ci";
    private static final String COPY_APP = "COPY . /app # buildkit";
    private static final String TOOLCHAIN = "/bin/sh -c apt-get install -y build-essential";
    private static final String DOWNLOAD = "/bin/sh -c curl -o /opt/data.bin https://example.invalid/data.bin";
    private static final String DELETE = "/bin/sh -c rm /opt/data.bin";

    private static LocalRegistry registry;
    private static OciImages.Layout base;
    private static Path catalog;
    private static final Map<String, String> REFS = new java.util.LinkedHashMap<>();
    private static final java.util.Set<String> BASE_BLOBS = new java.util.HashSet<>();
    private static long baseBlobDownloads;
    private static JsonNode results;

    @BeforeAll
    static void images() throws Exception {
        registry = LocalRegistry.sharedPlain();
        Step baseLayer = Step.layer(
                "ADD rootfs.tar.gz / # test base",
                layer().dir("etc")
                        .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n")
                        .dir("bin")
                        .file("bin/sh", 40_000, 100)
                        .dir("lib")
                        .file("lib/libc.so.6", 60_000, 101));
        Step baseCmd = Step.empty("CMD [\"python3\"]");
        base = OciImages.write(Spec.of(baseLayer, baseCmd), "3.11");
        OciImages.push(base, registry, "findings/test-python");

        image(
                "apt-lists",
                Spec.of(
                        baseLayer,
                        baseCmd,
                        Step.layer(
                                APT,
                                layer().dir("var/lib/apt/lists")
                                        .file(
                                                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
                                                200_000,
                                                1)
                                        .file("var/lib/apt/lists/lock", new byte[0], 0640, 0, 0)
                                        .dir("usr/bin")
                                        .file("usr/bin/curl", 30_000, 2))));
        image(
                "pip-cache",
                Spec.of(
                        baseLayer,
                        Step.layer(
                                PIP,
                                layer().dir("root/.cache/pip/http/a/b")
                                        .file("root/.cache/pip/http/a/b/c0ffee", 150_000, 3)
                                        .file(
                                                "usr/local/lib/python3.11/site-packages/requests/__init__.py",
                                                5_000,
                                                4))));
        image(
                "npm-cache",
                Spec.of(
                        baseLayer,
                        Step.layer(
                                NPM,
                                layer().file("root/.npm/_cacache/content-v2/sha512/ab/cd/ef", 120_000, 5)
                                        .file("app/node_modules/express/index.js", 3_000, 6))));
        image(
                "git",
                Spec.of(
                        baseLayer,
                        Step.layer(
                                COPY_APP,
                                layer().dir("app")
                                        .file("app/.git/HEAD", "ref: refs/heads/main\n")
                                        .file("app/.git/objects/pack/pack-1.pack", 90_000, 7)
                                        .file("app/main.py", 1_000, 8))));
        image(
                "compiler",
                Spec.of(
                        baseLayer,
                        Step.layer(
                                TOOLCHAIN,
                                layer().file("usr/lib/gcc/x86_64-linux-gnu/12/cc1", 250_000, 9)
                                        .file("usr/bin/gcc-12", 10_000, 10))));
        image(
                "deleted-later",
                Spec.of(
                        baseLayer,
                        Step.layer(DOWNLOAD, layer().dir("opt").file("opt/data.bin", 80_000, 11)),
                        Step.layer(DELETE, layer().dir("opt").whiteout("opt/data.bin"))));
        image(
                "clean",
                Spec.of(
                        baseLayer,
                        baseCmd,
                        Step.layer("COPY /out/app /app # buildkit", layer().file("app", 40_000, 12))));
        image(
                "zstd",
                Spec.of(baseLayer, Step.layer("COPY app /app", layer().file("app", 40_000, 13)))
                        .withCompression(OciImages.Compression.ZSTD));
        image(
                "labelled",
                Spec.of(baseLayer, Step.layer("COPY app /app", layer().file("app", 1_000, 14)))
                        .withLabels(Map.of("org.opencontainers.image.base.name", "docker.io/library/python:3.11")));
        image(
                "annotated",
                Spec.of(baseLayer, Step.layer("COPY app /app", layer().file("app", 1_000, 15)))
                        .withAnnotations(Map.of(
                                "org.opencontainers.image.base.name",
                                "docker.io/library/python:3.11",
                                "org.opencontainers.image.base.digest",
                                "sha256:" + "ab".repeat(32))));

        catalog = Files.createTempFile("test-catalog-", ".yaml");
        Files.writeString(
                catalog,
                "generated: test\nimages:\n"
                        + "  - ref: " + registry.hostPort() + "/findings/test-python:3.11\n"
                        + "    family: test-python\n    variant: full\n    platforms:\n"
                        + "      linux/amd64: {compressed: 409120197, uncompressed: 1100000000, diffIDs: ["
                        + base.diffIds().get(0) + "]}\n"
                        + "    alternatives:\n"
                        + "      - {ref: " + registry.hostPort()
                        + "/findings/test-python:3.11-slim, caveat: \"no compiler\"}\n"
                        + "  - ref: " + registry.hostPort() + "/findings/test-python:3.11-slim\n"
                        + "    family: test-python\n    variant: slim\n    platforms:\n"
                        + "      linux/amd64: {compressed: 45520747, uncompressed: 124800000}\n");

        List<String> args = new ArrayList<>(List.of(
                "-o", "json", "--insecure-registry", registry.hostPort(), "--base-catalog", catalog.toString()));
        args.addAll(REFS.values());
        AnalyzeCli.Run run = AnalyzeCli.run(args);
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        results = JSON.readTree(run.stdout()).path("results");
        assertThat(results).hasSize(REFS.size());
        baseBlobDownloads = baseBlobGets();
    }

    private static void image(String name, Spec spec) {
        OciImages.Layout layout = OciImages.write(spec, "1.0");
        BASE_BLOBS.add(layout.layerDigests().get(0));
        REFS.put(name, OciImages.push(layout, registry, "findings/" + name));
    }

    /** GETs of the shared base layer's blob in any findings/* repository, once the access log shows the first. */
    private static long baseBlobGets() {
        String digests = String.join("|", BASE_BLOBS);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        long count = 0;
        while (System.nanoTime() < deadline) {
            count = registry.requestCount("GET", "/v2/findings/[^/]+/blobs/(" + digests + ")");
            if (count > 0) {
                return count;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L); // poll the log, not a fixed wait
        }
        return count;
    }

    private static JsonNode analysis(String name) {
        return results.get(new ArrayList<>(REFS.keySet()).indexOf(name)).path("analysis");
    }

    private static JsonNode finding(String image, String id) {
        for (JsonNode finding : analysis(image).path("findings")) {
            if (finding.path("id").asText().equals(id)) {
                return finding;
            }
        }
        throw new AssertionError(
                "no " + id + " finding for " + image + ": " + analysis(image).path("findings"));
    }

    @Test
    void aptListsAreReportedWithTheirBytesLayerStepAndFix() {
        JsonNode apt = finding("apt-lists", "apt-lists");
        assertThat(apt.path("bytes").asLong()).isEqualTo(200_000);
        assertThat(apt.path("layer").asInt()).isEqualTo(1);
        assertThat(apt.path("createdBy").asText()).isEqualTo(APT);
        assertThat(apt.path("fix").asText())
                .contains("rm -rf /var/lib/apt/lists/*")
                .contains("same RUN");
        assertThat(apt.path("samples").get(0).asText()).startsWith("/var/lib/apt/lists/deb.debian.org");
        assertThat(apt.path("estimatedPullSavings").asLong()).isPositive().isLessThanOrEqualTo(200_000 * 11 / 10);
        assertThat(analysis("apt-lists").path("findings")).hasSize(1);
    }

    @Test
    void pipAndNpmCachesAreReported() {
        JsonNode pip = finding("pip-cache", "pip-cache");
        assertThat(pip.path("bytes").asLong()).isEqualTo(150_000);
        assertThat(pip.path("layer").asInt()).isEqualTo(1);
        assertThat(pip.path("fix").asText()).contains("--no-cache-dir");
        JsonNode npm = finding("npm-cache", "npm-cache");
        assertThat(npm.path("bytes").asLong()).isEqualTo(120_000);
        assertThat(npm.path("createdBy").asText()).isEqualTo(NPM);
        assertThat(npm.path("fix").asText()).contains("npm cache clean --force");
    }

    @Test
    void gitMetadataCopiedInIsReported() {
        JsonNode git = finding("git", "vcs-metadata");
        assertThat(git.path("bytes").asLong()).isEqualTo(90_000 + "ref: refs/heads/main\n".length());
        assertThat(git.path("files").asInt()).isEqualTo(2);
        assertThat(git.path("fix").asText()).contains(".dockerignore");
    }

    @Test
    void aCompilerInTheRuntimeImageIsReported() {
        JsonNode gcc = finding("compiler", "compiler-toolchain");
        assertThat(gcc.path("bytes").asLong()).isEqualTo(260_000);
        assertThat(gcc.path("createdBy").asText()).isEqualTo(TOOLCHAIN);
        assertThat(gcc.path("fix").asText()).contains("multi-stage");
    }

    @Test
    void aFileDeletedInALaterLayerNamesBothSteps() {
        JsonNode hidden = finding("deleted-later", "hidden-by-later-layer");
        assertThat(hidden.path("bytes").asLong()).isEqualTo(80_000);
        assertThat(hidden.path("layer").asInt()).isEqualTo(1);
        assertThat(hidden.path("removedByLayer").asInt()).isEqualTo(2);
        assertThat(hidden.path("createdBy").asText()).isEqualTo(DOWNLOAD);
        assertThat(hidden.path("removedBy").asText()).isEqualTo(DELETE);
        assertThat(hidden.path("fix").asText())
                .contains("merge layer 1")
                .contains("layer 2")
                .contains("rm /opt/data.bin");
        JsonNode overlay = analysis("deleted-later").path("overlay");
        assertThat(overlay.path("deletedByWhiteoutBytes").asLong()).isEqualTo(80_000);
    }

    @Test
    void aCleanMultiStageStyleImageHasNoFinding() {
        assertThat(analysis("clean").path("phase").asText()).isEqualTo("Complete");
        assertThat(analysis("clean").path("findings")).isEmpty();
        assertThat(analysis("clean").path("overlay").path("hiddenBytes").asLong())
                .isZero();
    }

    @Test
    void aKnownBaseIsRecognisedByItsLayersWithItsShareAndLikeForLikeAdvice() {
        JsonNode clean = analysis("clean");
        JsonNode detected = clean.path("base");
        assertThat(detected.path("name").asText()).isEqualTo(registry.hostPort() + "/findings/test-python:3.11");
        assertThat(detected.path("method").asText()).isEqualTo("LayerMatch");
        assertThat(detected.path("layers").asInt()).isEqualTo(1);
        long baseBlob = base.layerSizes().get(0);
        long all = clean.path("layers").get(0).path("compressedBytes").asLong()
                + clean.path("layers").get(1).path("compressedBytes").asLong();
        assertThat(detected.path("compressedShare").asDouble()).isEqualTo((double) baseBlob / all);
        JsonNode advice = clean.path("advice").get(0);
        assertThat(advice.path("savesCompressedBytes").asLong()).isEqualTo(409120197L - 45520747L);
        assertThat(advice.path("savesUncompressedBytes").asLong()).isEqualTo(1100000000L - 124800000L);
        assertThat(advice.path("text").asText())
                .contains("390.2 MiB compressed")
                .contains("is 43.4 MiB compressed")
                .contains("1.0 GiB uncompressed");
    }

    @Test
    void aBaseNamedByItsLabelIsTakenAsWritten() {
        JsonNode detected = analysis("labelled").path("base");
        assertThat(detected.path("name").asText()).isEqualTo("docker.io/library/python:3.11");
        assertThat(detected.path("method").asText()).isEqualTo("Annotation");
        assertThat(analysis("labelled").path("advice").get(0).path("with").asText())
                .isEqualTo("python:3.11-slim");
        assertThat(analysis("git").path("base").path("method").asText())
                .as("without a label the test base's layers still name it")
                .isEqualTo("LayerMatch");
    }

    @Test
    void aBaseNamedByManifestAnnotationsIsTakenAsWritten() {
        JsonNode detected = analysis("annotated").path("base");
        assertThat(detected.path("name").asText()).isEqualTo("docker.io/library/python:3.11");
        assertThat(detected.path("digest").asText()).isEqualTo("sha256:" + "ab".repeat(32));
        assertThat(detected.path("method").asText()).isEqualTo("Annotation");
        assertThat(analysis("annotated").path("advice").get(0).path("with").asText())
                .isEqualTo("python:3.11-slim");
    }

    @Test
    void zstdLayersAreAnalysed() {
        JsonNode zstd = analysis("zstd");
        assertThat(zstd.path("phase").asText()).isEqualTo("Complete");
        assertThat(zstd.path("layers").get(1).path("mediaType").asText()).endsWith("+zstd");
        assertThat(zstd.path("overlay").path("visibleBytes").asLong())
                .isEqualTo(40_000
                        + 40_000
                        + 60_000
                        + "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n".length());
    }

    @Test
    void ciRulesUseDivesNamesDefaultsAndFileAndDecideTheExitCode() throws Exception {
        String reference = REFS.get("deleted-later");
        AnalyzeCli.Run strict =
                AnalyzeCli.run(List.of(reference, "--ci", "--insecure-registry", registry.hostPort(), "-o", "json"));
        assertThat(strict.exitCode()).as(strict.stderr()).isEqualTo(1); // 80 KB deleted: efficiency far below 0.9
        JsonNode rules =
                JSON.readTree(strict.stdout()).path("results").get(0).path("ci").path("rules");
        assertThat(rules.get(0).path("rule").asText()).isEqualTo("lowestEfficiency");
        assertThat(rules.get(0).path("status").asText()).isEqualTo("FAIL");
        assertThat(rules.get(1).path("status").asText()).isEqualTo("SKIP"); // highestWastedBytes: disabled by default

        AnalyzeCli.Run relaxed = AnalyzeCli.run(List.of(
                reference,
                "--ci",
                "--lowest-efficiency",
                "0",
                "--highest-user-wasted-percent",
                "disabled",
                "--insecure-registry",
                registry.hostPort()));
        assertThat(relaxed.exitCode()).as(relaxed.stdout()).isZero();
        assertThat(relaxed.stdout()).contains("PASS: lowestEfficiency");

        Path file = Files.createTempFile("dive-ci-", ".yaml");
        Files.writeString(
                file,
                "rules:\n  lowestEfficiency: 0\n  highestWastedBytes: 20KB\n  highestUserWastedPercent: disabled\n");
        AnalyzeCli.Run fromFile = AnalyzeCli.run(
                List.of(reference, "--ci-config", file.toString(), "--insecure-registry", registry.hostPort()),
                Map.of("CI", "true"));
        assertThat(fromFile.exitCode()).as(fromFile.stdout()).isEqualTo(1);
        assertThat(fromFile.stdout()).contains("FAIL: highestWastedBytes: too many bytes wasted");
    }

    @Test
    void textOutputShowsLayersDiveFiguresFindingsAndBase() throws Exception {
        AnalyzeCli.Run run = AnalyzeCli.run(List.of(
                REFS.get("apt-lists"),
                "--insecure-registry",
                registry.hostPort(),
                "--base-catalog",
                catalog.toString()));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout())
                .contains("LAYER")
                .contains("apt-get update && apt-get install -y curl")
                .contains("dive: efficiency")
                .contains("overlay:")
                .contains("apt-lists [certain]")
                .contains("fix: add `rm -rf /var/lib/apt/lists/*`")
                .contains("base image: " + registry.hostPort() + "/findings/test-python:3.11 (LayerMatch")
                .contains("advice: ");
        assertThat(run.stderr()).as("no progress line without a terminal").isEmpty();
    }

    @Test
    void whatCannotBeAnalysedExitsTwoWithAClearMessage() throws Exception {
        AnalyzeCli.Run missing = AnalyzeCli.run(
                List.of(registry.hostPort() + "/findings/missing:1.0", "--insecure-registry", registry.hostPort()));
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stdout()).contains("NOT_FOUND");

        AnalyzeCli.Run tooLarge = AnalyzeCli.run(List.of(
                REFS.get("compiler"),
                "--analysis-max-layer",
                "100000",
                "--insecure-registry",
                registry.hostPort(),
                "-o",
                "json"));
        assertThat(tooLarge.exitCode()).isEqualTo(2);
        JsonNode analysis =
                JSON.readTree(tooLarge.stdout()).path("results").get(0).path("analysis");
        assertThat(analysis.path("phase").asText()).isEqualTo("Failed");
        assertThat(analysis.path("conditions").toString())
                .contains("UncompressedTooLarge")
                .contains("100000-byte uncompressed limit");
        assertThat(analysis.path("layers").get(1).path("problem").asText()).contains("uncompressed limit");

        AnalyzeCli.Run usage = AnalyzeCli.run(List.of("Not/Valid"));
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.stderr()).contains("invalid image reference").doesNotContain("\tat ");
    }

    @Test
    void privateRegistriesAreReadWithTheDockerConfigsCredentials() throws Exception {
        LocalRegistry tls = LocalRegistry.sharedTls();
        String reference = OciImages.push(
                OciImages.write(Spec.of(Step.layer("COPY app /app", layer().file("app", 5_000, 15))), "1.0"),
                tls,
                "findings/private");
        Path config = Files.createTempDirectory("docker-config").resolve("config.json");
        String auth = Base64.getEncoder()
                .encodeToString((tls.user() + ":" + tls.password()).getBytes(StandardCharsets.UTF_8));
        Files.writeString(config, "{\"auths\":{\"" + tls.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}");
        AnalyzeCli.Run run = AnalyzeCli.run(List.of(reference, "--docker-config", config.toString(), "-o", "json"));
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        assertThat(JSON.readTree(run.stdout())
                        .path("results")
                        .get(0)
                        .path("analysis")
                        .path("overlay")
                        .path("visibleBytes")
                        .asLong())
                .isEqualTo(5_000);
        assertThat(run.stdout() + run.stderr()).doesNotContain(tls.password());

        AnalyzeCli.Run anonymous = AnalyzeCli.run(List.of(reference, "-o", "json"));
        assertThat(anonymous.exitCode()).isEqualTo(2);
        assertThat(anonymous.stdout()).contains("UNAUTHORIZED");
    }

    @Test
    void imagesSharingABaseDownloadAndAnalyseItOnceInOneRun() {
        // one diffID, two blobs: gzip in most images, zstd in one; the layer index is keyed by diffID
        assertThat(BASE_BLOBS).hasSize(2);
        assertThat(baseBlobDownloads)
                .as("base layer GETs at the registry for " + REFS.size() + " images")
                .isEqualTo(1);
    }

    @Test
    void statusesStayWithinTheirBudget() {
        for (JsonNode result : results) {
            assertThat(result.path("analysis").toString().getBytes(StandardCharsets.UTF_8).length)
                    .isLessThan(64 * 1024);
        }
    }
}
