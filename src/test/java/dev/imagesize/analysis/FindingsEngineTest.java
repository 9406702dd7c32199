package dev.imagesize.analysis;

import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.TestLayers;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped rules on synthetic layers: attribution, grouping, ranking and fixes. */
class FindingsEngineTest {
    private final FindingsEngine engine = new FindingsEngine(FindingRules.builtIn());

    private List<ImageAnalysisStatus.Finding> findings(List<String> steps, TestLayers.Builder... layers) {
        List<LayerIndex> indexes = Indexes.of(layers);
        List<LayerFacts> facts = new java.util.ArrayList<>();
        Map<String, String> captured = new HashMap<>();
        for (int i = 0; i < indexes.size(); i++) {
            facts.add(new LayerFacts(
                    i,
                    steps.get(i),
                    indexes.get(i).tarBytes() / 2,
                    indexes.get(i).tarBytes()));
            captured.putAll(indexes.get(i).capturedFiles());
        }
        Map<String, Integer> capturedLayers = new HashMap<>();
        for (int i = 0; i < indexes.size(); i++) {
            for (String path : indexes.get(i).capturedFiles().keySet()) {
                capturedLayers.put(path, i);
            }
        }
        return engine.evaluate(OverlayComposer.compose(indexes), facts, captured, capturedLayers);
    }

    @Test
    void ownershipCopiesNameTheChownStep() {
        byte[] app = TestLayers.content(5000, 1);
        List<ImageAnalysisStatus.Finding> found = findings(
                List.of("COPY app /app", "/bin/sh -c chown -R 1000 /app"),
                layer().file("app/bin", app, 0755, 0, 0),
                layer().file("app/bin", app, 0755, 1000, 1000));
        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("ownership-copy");
            assertThat(f.bytes()).isEqualTo(5000);
            assertThat(f.layer()).isZero();
            assertThat(f.removedByLayer()).isEqualTo(1);
            assertThat(f.estimatedPullSavings()).isEqualTo(2500);
            assertThat(f.fix()).contains("COPY --chown").contains("`RUN chown -R 1000 /app`");
        });
    }

    @Test
    void npmDevDependenciesComeFromTheHiddenLockfile() {
        String lock = "{\"packages\":{\"node_modules/jest\":{\"dev\":true},\"node_modules/express\":{}}}";
        List<ImageAnalysisStatus.Finding> found = findings(
                List.of("/bin/sh -c npm ci"),
                layer().file("app/node_modules/.package-lock.json", lock)
                        .file("app/node_modules/jest/index.js", 3000, 1)
                        .file("app/node_modules/express/index.js", 2000, 2));
        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("node-dev-deps");
            assertThat(f.bytes()).isEqualTo(3000);
            assertThat(f.samples()).containsExactly("/app/node_modules/jest/index.js");
        });
    }

    @Test
    void packagesInstalledOnlyAsRecommendsComeFromDpkgAndApt() {
        String status = """
                Package: base-files
                Status: install ok installed
                Priority: required
                Installed-Size: 400

                Package: curl
                Status: install ok installed
                Installed-Size: 500
                Depends: libcurl4 (= 7.88.1-10), libc6 (>= 2.34)
                Recommends: ca-certificates

                Package: libcurl4
                Status: install ok installed
                Installed-Size: 900
                Depends: libc6

                Package: libc6
                Status: install ok installed
                Priority: required
                Installed-Size: 12000

                Package: ca-certificates
                Status: install ok installed
                Installed-Size: 380
                Depends: openssl (>= 1.1.1), debconf (>= 0.5) | debconf-2.0

                Package: openssl
                Status: install ok installed
                Installed-Size: 2300

                Package: gone
                Status: deinstall ok config-files
                Installed-Size: 99999
                """;
        String states = "Package: libcurl4\nArchitecture: amd64\nAuto-Installed: 1\n\n"
                + "Package: ca-certificates\nArchitecture: amd64\nAuto-Installed: 1\n\n"
                + "Package: openssl\nArchitecture: amd64\nAuto-Installed: 1\n";
        List<ImageAnalysisStatus.Finding> found = findings(
                List.of("/bin/sh -c apt-get update && apt-get install -y curl"),
                layer().file("var/lib/dpkg/status", status).file("var/lib/apt/extended_states", states));
        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("apt-recommends");
            assertThat(f.bytes()).isEqualTo((2300 + 380) * 1024L);
            assertThat(f.samples()).containsExactly("openssl", "ca-certificates");
            assertThat(f.fix())
                    .contains("--no-install-recommends")
                    .contains("`RUN apt-get update && apt-get install -y curl`");
        });
    }

    @Test
    void duplicatesOverOneMebibyteAreInformational() {
        byte[] blob = TestLayers.content(1 << 20, 3);
        List<ImageAnalysisStatus.Finding> found = findings(
                List.of("COPY data /data"),
                layer().file("data/a.bin", blob, 0644, 0, 0).file("data/b.bin", blob, 0644, 0, 0));
        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("duplicate-content");
            assertThat(f.confidence()).isEqualTo("info");
            assertThat(f.bytes()).isEqualTo(1 << 20);
        });
    }

    @Test
    void aPathCountsForTheFirstRuleOnlyAndFindingsRankByDownloadSavings() {
        List<ImageAnalysisStatus.Finding> found = findings(
                List.of("COPY . /src"),
                layer().file("src/.git/objects/big.tar", 9000, 1) // vcs-metadata, not leftover-archives
                        .file("src/node_modules/x/a.js", 4000, 2) // context-junk: copied, not installed
                        .file("usr/share/doc/x/README", 100, 3));
        assertThat(found)
                .extracting(ImageAnalysisStatus.Finding::id)
                .containsExactly("vcs-metadata", "context-junk", "docs-man-locale");
    }

    @Test
    void contextJunkCountsOnlyInCopyLayers() {
        List<ImageAnalysisStatus.Finding> found =
                findings(List.of("/bin/sh -c npm install"), layer().file("app/node_modules/x/a.js", 4000, 2));
        assertThat(found).isEmpty();
    }

    @Test
    void aptListsDeletedInALaterLayerStayAptListsAndNameTheRemovingLayer() {
        List<ImageAnalysisStatus.Finding> found = findings(
                List.of("/bin/sh -c apt-get update", "/bin/sh -c rm -rf /var/lib/apt/lists/*"),
                layer().file("var/lib/apt/lists/x_Packages", 7000, 1),
                layer().whiteout("var/lib/apt/lists/x_Packages"));
        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("apt-lists");
            assertThat(f.removedByLayer()).isEqualTo(1);
        });
    }
}
