package dev.imagesize.analysis;

import static dev.imagesize.testing.OciImages.Step.empty;
import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.OciImages;
import dev.imagesize.testing.OciImages.Spec;
import dev.imagesize.testing.OciImages.Step;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestLayers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Conformance with the real tools: images built here (one per quirk of the design's table 1.4, plus the equivalent of
 * dive's own test image) are pushed to the real registry; dive v0.13.1 reads their {@code docker save} archives,
 * {@code imagesize analyze} reads them from the registry, and the {@code dive} block must equal dive's JSON; the
 * {@code overlay} block's visible bytes must equal a walk of the root filesystem {@code umoci unpack} makes.
 */
class DiveConformanceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Spec> IMAGES = new LinkedHashMap<>();
    private static final Map<String, OciImages.Layout> LAYOUTS = new LinkedHashMap<>();
    private static final Map<String, String> REFERENCES = new LinkedHashMap<>();
    private static LocalRegistry registry;
    private static Path dive;
    private static JsonNode analyses;

    @BeforeAll
    static void buildPushAndAnalyse() throws Exception {
        dive = diveBinary();
        registry = LocalRegistry.sharedPlain();
        byte[] readme = TestLayers.content(6405, 1);
        IMAGES.put(
                "overwrite",
                Spec.of(
                        Step.layer("ADD base.tar / # base", layer().dir("a").file("a/f", 100, 1)),
                        Step.layer(
                                "/bin/sh -c echo new > /a/f", layer().dir("a").file("a/f", 100, 2))));
        IMAGES.put(
                "file-whiteout",
                Spec.of(
                        Step.layer("ADD base.tar /", layer().file("f", 50, 1)),
                        Step.layer("/bin/sh -c rm /f", layer().whiteout("f"))));
        IMAGES.put(
                "dir-whiteout",
                Spec.of(
                        Step.layer(
                                "ADD base.tar /",
                                layer().dir("d").file("d/x", 30, 1).file("d/y", 20, 2)),
                        Step.layer("/bin/sh -c rm -rf /d", layer().whiteout("d"))));
        IMAGES.put(
                "dir-whiteout-after-leaf",
                Spec.of(
                        Step.layer("/bin/sh -c mkdir /d", layer().dir("d")),
                        Step.layer("/bin/sh -c touch /d/x", layer().dir("d").file("d/x", 30, 1)),
                        Step.layer("/bin/sh -c rm -rf /d", layer().whiteout("d"))));
        IMAGES.put(
                "dir-whiteout-implicit-parent",
                Spec.of(
                        Step.layer("ADD base.tar /", layer().dir("d").file("d/x", 30, 1)),
                        Step.layer("/bin/sh -c touch /d/y", layer().file("d/y", 5, 2)),
                        Step.layer("/bin/sh -c rm -rf /d", layer().whiteout("d"))));
        IMAGES.put(
                "opaque",
                Spec.of(
                        Step.layer(
                                "ADD base.tar /",
                                layer().dir("o").file("o/old", 40, 1).file("keep", 3, 3)),
                        Step.layer(
                                "/bin/sh -c rm -rf /o && mkdir /o && touch /o/new",
                                layer().dir("o").opaque("o").file("o/new", 10, 2))));
        IMAGES.put(
                "hardlinks",
                Spec.of(
                        Step.layer(
                                "ADD base.tar /",
                                layer().dir("h").file("h/a", 60, 1).hardlink("h/b", "h/a")),
                        Step.layer("/bin/sh -c rm /h/a", layer().dir("h").whiteout("h/a"))));
        byte[] tool = TestLayers.content(70, 9);
        IMAGES.put(
                "chmod-copy",
                Spec.of(
                        Step.layer("COPY tool /bin/tool", layer().dir("bin").file("bin/tool", tool, 0644, 0, 0)),
                        Step.layer(
                                "/bin/sh -c chmod +x /bin/tool",
                                layer().dir("bin").file("bin/tool", tool, 0755, 0, 0))));
        IMAGES.put(
                "empty-layer",
                Spec.of(
                        Step.layer("ADD base.tar /", layer().file("f", 10, 1)),
                        empty("ENV A=1"),
                        Step.layer("/bin/sh -c true", layer()),
                        empty("CMD [\"sh\"]")));
        IMAGES.put(
                "missing-whiteout",
                Spec.of(
                        Step.layer("ADD base.tar /", layer().file("a", 10, 1)),
                        Step.layer(
                                "/bin/sh -c odd",
                                layer().whiteout("missing").file("b", 5, 2).file("c", 7, 3))));
        IMAGES.put(
                "empty-dirs-twice",
                Spec.of(
                        Step.layer("/bin/sh -c mkdir /tmp", layer().dir("tmp")),
                        Step.layer("/bin/sh -c touch /tmp", layer().dir("tmp"))));
        TestLayers.Builder repeated = layer().dir("r").file("r/x", 25, 4);
        IMAGES.put(
                "same-layer-twice",
                Spec.of(
                        Step.layer("ADD base.tar /", layer().file("f", 10, 1)),
                        Step.layer("/bin/sh -c make r", repeated),
                        Step.layer("/bin/sh -c make r again", repeated)));
        IMAGES.put("dive-test-image", diveTestImage(readme));
        IMAGES.put(
                "pax-global-header",
                new Spec(
                        List.of(
                                Step.layer("ADD base.tar /", layer().file("f", 10, 1)),
                                new Step(
                                        "ADD release.tar /opt",
                                        TestLayers.withPaxGlobalHeader(layer().dir("opt")
                                                .file("opt/g", 20, 2)
                                                .tar()))),
                        Map.of(),
                        Map.of(),
                        OciImages.Compression.GZIP));

        List<String> args = new ArrayList<>(List.of("-o", "json", "--insecure-registry", registry.hostPort()));
        for (Map.Entry<String, Spec> image : IMAGES.entrySet()) {
            OciImages.Layout layout = OciImages.write(image.getValue(), "1.0");
            LAYOUTS.put(image.getKey(), layout);
            String reference = OciImages.push(layout, registry, "conformance/" + image.getKey());
            REFERENCES.put(image.getKey(), reference);
            args.add(reference);
        }
        AnalyzeCli.Run run = AnalyzeCli.run(args);
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        analyses = JSON.readTree(run.stdout()).path("results");
        assertThat(analyses).hasSize(IMAGES.size());
    }

    /** dive's .data/Dockerfile.test-image, step by step, with the parent directories docker puts in each layer. */
    private static Spec diveTestImage(byte[] readme) {
        byte[] script = TestLayers.content(1234, 7);
        return Spec.of(
                Step.layer(
                        "ADD file:busybox in /",
                        layer().dir("bin")
                                .file("bin/busybox", 20_000, 3)
                                .dir("root")
                                .dir("tmp")
                                .dir("etc")
                                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")),
                empty("CMD [\"sh\"]"),
                Step.layer("ADD README.md /somefile.txt", layer().file("somefile.txt", readme, 0644, 0, 0)),
                Step.layer(
                        "/bin/sh -c mkdir -p /root/example/really/nested",
                        layer().dir("root")
                                .dir("root/example")
                                .dir("root/example/really")
                                .dir("root/example/really/nested")),
                Step.layer(
                        "/bin/sh -c cp /somefile.txt /root/example/somefile1.txt",
                        layer().dir("root").dir("root/example").file("root/example/somefile1.txt", readme, 0644, 0, 0)),
                Step.layer(
                        "/bin/sh -c chmod 444 /root/example/somefile1.txt",
                        layer().dir("root").dir("root/example").file("root/example/somefile1.txt", readme, 0444, 0, 0)),
                Step.layer(
                        "/bin/sh -c cp /somefile.txt /root/example/somefile2.txt",
                        layer().dir("root").dir("root/example").file("root/example/somefile2.txt", readme, 0644, 0, 0)),
                Step.layer(
                        "/bin/sh -c cp /somefile.txt /root/example/somefile3.txt",
                        layer().dir("root").dir("root/example").file("root/example/somefile3.txt", readme, 0644, 0, 0)),
                Step.layer(
                        "/bin/sh -c mv /root/example/somefile3.txt /root/saved.txt",
                        layer().dir("root")
                                .file("root/saved.txt", readme, 0644, 0, 0)
                                .dir("root/example")
                                .whiteout("root/example/somefile3.txt")),
                Step.layer(
                        "/bin/sh -c cp /root/saved.txt /root/.saved.txt",
                        layer().dir("root").file("root/.saved.txt", readme, 0644, 0, 0)),
                Step.layer(
                        "/bin/sh -c rm -rf /root/example/", layer().dir("root").whiteout("root/example")),
                Step.layer(
                        "ADD .scripts/ /root/.data/",
                        layer().dir("root").dir("root/.data").file("root/.data/tag.sh", script, 0755, 0, 0)),
                Step.layer(
                        "/bin/sh -c cp /root/saved.txt /tmp/saved.again1.txt",
                        layer().dir("tmp").file("tmp/saved.again1.txt", readme, 0644, 0, 0)),
                Step.layer(
                        "/bin/sh -c cp /root/saved.txt /root/.data/saved.again2.txt",
                        layer().dir("root").dir("root/.data").file("root/.data/saved.again2.txt", readme, 0644, 0, 0)),
                Step.layer(
                        "/bin/sh -c chmod +x /root/saved.txt",
                        layer().dir("root").file("root/saved.txt", readme, 0755, 0, 0)));
    }

    @Test
    void theDiveBlockEqualsDivesJsonForEveryImage() throws Exception {
        int i = 0;
        for (String name : IMAGES.keySet()) {
            JsonNode ours = analyses.get(i++).path("analysis");
            assertThat(ours.path("phase").asText()).as(name).isEqualTo("Complete");
            if (name.equals("pax-global-header")) {
                continue; // dive cannot read it: the next test
            }
            JsonNode theirs = runDive(name);
            JsonNode image = theirs.path("image");
            JsonNode block = ours.path("dive");
            assertThat(block.path("sizeBytes").asLong())
                    .as(name + " sizeBytes")
                    .isEqualTo(image.path("sizeBytes").asLong());
            assertThat(block.path("inefficientBytes").asLong())
                    .as(name + " inefficientBytes")
                    .isEqualTo(image.path("inefficientBytes").asLong());
            assertThat(block.path("efficiencyScore").asDouble())
                    .as(name + " efficiencyScore")
                    .isEqualTo(image.path("efficiencyScore").asDouble());
            assertThat(files(block.path("topFiles")))
                    .as(name + " inefficient files")
                    .isEqualTo(files(image.path("fileReference")));

            List<Long> diveLayerSizes = new ArrayList<>();
            List<String> diveCommands = new ArrayList<>();
            theirs.path("layer").forEach(l -> {
                diveLayerSizes.add(l.path("sizeBytes").asLong());
                diveCommands.add(l.path("command").asText());
            });
            List<Long> ourSizes = new ArrayList<>();
            List<String> ourCommands = new ArrayList<>();
            ours.path("layers").forEach(l -> {
                ourSizes.add(l.path("sizeBytes").asLong());
                String step = l.path("createdBy").asText();
                ourCommands.add(step.startsWith("/bin/sh -c ") ? step.substring("/bin/sh -c ".length()) : step);
            });
            assertThat(ourSizes).as(name + " layer sizes").isEqualTo(diveLayerSizes);
            assertThat(ourCommands).as(name + " layer commands").isEqualTo(diveCommands);

            long user =
                    diveLayerSizes.stream().skip(1).mapToLong(Long::longValue).sum();
            double userWasted = (double) image.path("inefficientBytes").asLong() / user;
            if (Double.isFinite(userWasted)) {
                assertThat(block.path("userWastedPercent").asDouble())
                        .as(name + " userWastedPercent")
                        .isEqualTo(userWasted);
            } else {
                assertThat(block.has("userWastedPercent"))
                        .as(name + " userWastedPercent (not finite)")
                        .isFalse();
            }
        }
    }

    @Test
    void diveFailsOnAPaxGlobalHeaderAndTheDiveBlockSaysSo() throws Exception {
        Path archive = OciImages.dockerArchive(
                REFERENCES.get("pax-global-header"),
                Files.createTempDirectory("dive-").resolve("x.tar"));
        DiveRun run = dive(archive);
        assertThat(run.exitCode()).as("dive exit code on a PAX global header").isNotZero();
        JsonNode ours = analyses.get(new ArrayList<>(IMAGES.keySet()).indexOf("pax-global-header"))
                .path("analysis");
        assertThat(ours.path("dive").path("wouldFail").asBoolean()).isTrue();
    }

    @Test
    void visibleBytesEqualAWalkOfUmocisRootFilesystem() {
        int i = 0;
        for (String name : IMAGES.keySet()) {
            JsonNode ours = analyses.get(i++).path("analysis");
            if (name.equals("pax-global-header")) {
                continue; // umoci 0.4.7 refuses the global header entry as an unknown type
            }
            Path rootfs = OciImages.unpack(LAYOUTS.get(name));
            assertThat(ours.path("overlay").path("visibleBytes").asLong())
                    .as(name + " visible bytes vs umoci unpack")
                    .isEqualTo(OciImages.regularFileBytes(rootfs));
            assertThat(ours.path("sizes").path("visibleBytes").asLong())
                    .isEqualTo(ours.path("overlay").path("visibleBytes").asLong());
        }
    }

    @Test
    void theDiveTestImageIsExplainedByCause() {
        JsonNode overlay = analyses.get(new ArrayList<>(IMAGES.keySet()).indexOf("dive-test-image"))
                .path("overlay");
        JsonNode ours = analyses.get(new ArrayList<>(IMAGES.keySet()).indexOf("dive-test-image"))
                .path("analysis")
                .path("overlay");
        // two chmods re-write the same content; rm -rf /root/example deletes somefile1 and somefile2; mv deletes
        // somefile3
        assertThat(ours.path("sameContentRewrittenBytes").asLong()).isEqualTo(2 * 6405);
        assertThat(ours.path("deletedByWhiteoutBytes").asLong()).isEqualTo(3 * 6405);
        assertThat(ours.path("hiddenBytes").asLong()).isEqualTo(5 * 6405);
    }

    @Test
    void diveJsonOutputHasDivesImageBlock() throws Exception {
        String reference = REFERENCES.get("dive-test-image");
        AnalyzeCli.Run run =
                AnalyzeCli.run(List.of(reference, "-o", "dive-json", "--insecure-registry", registry.hostPort()));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode ours = JSON.readTree(run.stdout());
        JsonNode theirs = runDive("dive-test-image");
        assertThat(ours.path("image").path("sizeBytes"))
                .isEqualTo(theirs.path("image").path("sizeBytes"));
        assertThat(ours.path("image").path("inefficientBytes"))
                .isEqualTo(theirs.path("image").path("inefficientBytes"));
        assertThat(ours.path("image").path("efficiencyScore").asDouble())
                .isEqualTo(theirs.path("image").path("efficiencyScore").asDouble());
        assertThat(files(ours.path("image").path("fileReference")))
                .isEqualTo(files(theirs.path("image").path("fileReference")));
        assertThat(ours.path("layer")).hasSize(theirs.path("layer").size());
        for (int i = 0; i < ours.path("layer").size(); i++) {
            assertThat(ours.path("layer").get(i).path("sizeBytes"))
                    .isEqualTo(theirs.path("layer").get(i).path("sizeBytes"));
            assertThat(ours.path("layer").get(i).path("command"))
                    .isEqualTo(theirs.path("layer").get(i).path("command"));
        }
    }

    /** dive's inefficient files as (file, count, bytes), largest first and by name among equals (dive's tie order is random). */
    private static List<String> files(JsonNode list) {
        List<JsonNode> nodes = new ArrayList<>();
        list.forEach(nodes::add);
        nodes.sort(Comparator.comparingLong((JsonNode n) -> -n.path("sizeBytes").asLong())
                .thenComparing(n -> n.path("file").asText()));
        return nodes.stream()
                .map(n -> n.path("file").asText() + " x" + n.path("count").asInt() + " "
                        + n.path("sizeBytes").asLong())
                .toList();
    }

    private record DiveRun(int exitCode, String output, JsonNode json) {}

    private static JsonNode runDive(String name) throws Exception {
        Path archive = OciImages.dockerArchive(
                REFERENCES.get(name), Files.createTempDirectory("dive-").resolve("x.tar"));
        DiveRun run = dive(archive);
        assertThat(run.exitCode()).as("dive on " + name + ": " + run.output()).isZero();
        return run.json();
    }

    private static DiveRun dive(Path archive) throws Exception {
        Path work = Files.createTempDirectory("dive-run-"); // no .dive-ci here
        Path out = work.resolve("out.json");
        ProcessBuilder builder = new ProcessBuilder(
                        dive.toString(),
                        archive.toString(),
                        "--source",
                        "docker-archive",
                        "--ci",
                        "--json",
                        out.toString())
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("dive.log").toFile());
        builder.environment().put("CI", "true");
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("dive finished").isTrue();
        String log = Files.readString(work.resolve("dive.log"));
        JsonNode json = Files.exists(out) ? JSON.readTree(out.toFile()) : null;
        return new DiveRun(process.exitValue(), log, json);
    }

    /** dive from hack/test-env.sh; a clear failure when it is missing, never a skip. */
    private static Path diveBinary() {
        try {
            Process print = new ProcessBuilder(
                            TestCluster.projectDir().resolve("hack/test-env.sh").toString(), "print-dive")
                    .redirectErrorStream(true)
                    .start();
            String path = new String(print.getInputStream().readAllBytes()).strip();
            print.waitFor(30, TimeUnit.SECONDS);
            Path binary = Path.of(path);
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException("dive not found at " + binary
                        + ": run `hack/test-env.sh dive` (builds dive v0.13.1 from the Go module proxy)");
            }
            return binary;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot run hack/test-env.sh print-dive: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
