package dev.imagesize.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisSpec;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.Selector;
import dev.imagesize.testing.AnalysisResults;
import dev.imagesize.workload.Workload;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContentNotesTest {
    static final String DIGEST = AnalysisResults.DIGEST;
    static final String IMAGE = "reg.local/shop/web:1";
    static final Container WEB = new Container("web", Container.Type.CONTAINER, IMAGE);
    static final Workload WORKLOAD =
            new Workload("Deployment", "shop", "web", Map.of(), List.of(WEB), List.of("regcred"), "builder");

    static Rule rule(Rule.Action action) {
        return new Rule(
                Rule.NAMESPACED_KIND,
                "shop",
                "budget",
                action,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                Limits.NONE,
                List.of(),
                List.of(),
                List.of(),
                Rule.OnResolveError.WARN);
    }

    static ImageSize size(String digest) {
        return new ImageSize(
                ImageRef.parse(IMAGE),
                null,
                digest,
                Platform.LINUX_AMD64,
                "application/vnd.oci.image.manifest.v1+json",
                1_000,
                List.of(new Layer(
                        "sha256:" + "9".repeat(64), 4_000_000L, "application/vnd.oci.image.layer.v1.tar+gzip")));
    }

    static Finding finding(Container container, String digest, Finding.Outcome outcome) {
        return new Finding(rule(Rule.Action.ENFORCE), container, outcome, size(digest), Limits.NONE, List.of(), null);
    }

    static ImageAnalysis analysis(String digest, ImageAnalysisState state) {
        ImageAnalysis analysis = new ImageAnalysis();
        analysis.setMetadata(new ObjectMetaBuilder()
                .withName(ImageAnalysis.nameFor(digest))
                .withResourceVersion("7")
                .build());
        analysis.setSpec(new ImageAnalysisSpec(
                digest,
                "linux/amd64",
                "reg.local/shop/web",
                AnalysisRequester.AUDIT,
                List.of(new AnalysisSource("reg.local", "shop/web", "shop", null, List.of()))));
        analysis.setStatus(state);
        return analysis;
    }

    static ImageAnalysis complete(String digest) {
        return analysis(digest, ImageAnalysisState.of(AnalysisResults.complete(), null, 1, null, "now", "replica-a"));
    }

    private final AnalysisIndex index = new AnalysisIndex(null);
    private final AdmissionMisses misses = new AdmissionMisses(10);
    private final ContentNotes notes = new ContentNotes(index, misses);

    @Test
    void anUnknownImageIsRememberedAsAMissAndSaidToBeQueued() {
        List<String> lines = notes.notesFor(finding(WEB, DIGEST, Finding.Outcome.OVER), WORKLOAD, false);

        assertThat(lines)
                .singleElement()
                .asString()
                .startsWith("content analysis: queued")
                .contains(IMAGE);
        List<AdmissionMisses.Miss> taken = misses.drain(10);
        assertThat(taken)
                .containsExactly(new AdmissionMisses.Miss(
                        DIGEST, "linux/amd64", "reg.local", "shop/web", "shop", "builder", List.of("regcred"), IMAGE));
    }

    @Test
    void anAdmittedImageUnderAContentLimitIsQueuedUntilItsAnalysisIsKnown() {
        Limits content = new Limits(null, null, null, null, null, 0.9, null);
        Finding within = new Finding(
                rule(Rule.Action.ENFORCE), WEB, Finding.Outcome.WITHIN, size(DIGEST), content, List.of(), null);

        assertThat(notes.queueUnchecked(within, WORKLOAD, true)).as("unchecked").isTrue();
        assertThat(misses.size()).as("not queued for a dry run").isZero();
        assertThat(notes.queueUnchecked(finding(WEB, DIGEST, Finding.Outcome.WITHIN), WORKLOAD, false))
                .as("no content limit, nothing to check")
                .isFalse();
        assertThat(misses.size()).as("no content limit, nothing to check later").isZero();

        assertThat(notes.queueUnchecked(within, WORKLOAD, false)).isTrue();
        assertThat(misses.drain(10)).extracting(AdmissionMisses.Miss::digest).containsExactly(DIGEST);

        index.accept(complete(DIGEST));
        assertThat(notes.queueUnchecked(within, WORKLOAD, false))
                .as("known: the limit was checked")
                .isFalse();
        assertThat(misses.size()).as("known: nothing to queue").isZero();
    }

    @Test
    void aDryRunRemembersNothing() {
        notes.notesFor(finding(WEB, DIGEST, Finding.Outcome.OVER), WORKLOAD, true);

        assertThat(misses.size()).isZero();
    }

    @Test
    void aCompleteAnalysisGivesFiguresThenTheHintsLargestSavingFirst() {
        index.accept(complete(DIGEST));

        List<String> lines = notes.notesFor(finding(WEB, DIGEST, Finding.Outcome.OVER), WORKLOAD, false);

        assertThat(lines.get(0))
                .isEqualTo("content analysis: 9.5 MiB uncompressed, 80.0% efficient, 1.9 MiB hidden"
                        + " by later layers; fix first:");
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).startsWith("- base image: test-python:3.11 is 390.2 MiB compressed");
        assertThat(lines.get(2))
                .isEqualTo("- apt package lists left in the image, 1.4 MiB in layer 1 (/bin/sh -c apt-get update &&"
                        + " apt-get install -y curl): add rm -rf /var/lib/apt/lists/* in the same RUN as apt-get"
                        + " update (saves ~585.9 KiB to pull)");
        assertThat(lines.get(3))
                .startsWith("- pip's download cache, 488.3 KiB in layer 2")
                .contains("hidden by layer 3");
        assertThat(misses.size()).isZero();
    }

    @Test
    void anAnalysisUnderWayIsNamedAndNotQueuedAgain() {
        index.accept(analysis(DIGEST, ImageAnalysisState.waiting(AnalysisPhase.ANALYZING, null, 1, null, "a")));

        List<String> lines = notes.notesFor(finding(WEB, DIGEST, Finding.Outcome.OVER), WORKLOAD, false);

        assertThat(lines).containsExactly("content analysis: analyzing; the next attempt names what to fix first");
        assertThat(misses.size()).isZero();
    }

    @Test
    void aFailedAnalysisSaysWhy() {
        index.accept(analysis(
                DIGEST,
                ImageAnalysisState.waiting(AnalysisPhase.FAILED, "layer 2: over the 10 GiB limit", 1, null, "a")));

        assertThat(notes.notesFor(finding(WEB, DIGEST, Finding.Outcome.OVER), WORKLOAD, false))
                .containsExactly("content analysis failed: layer 2: over the 10 GiB limit");
    }

    @Test
    void missesAreBoundedOncePerDigestOldestDroppedFirst() {
        AdmissionMisses bounded = new AdmissionMisses(2);
        for (String hex : List.of("a", "b", "a", "c")) {
            bounded.record(new AdmissionMisses.Miss(
                    "sha256:" + hex.repeat(64), "linux/amd64", "r", "p", "ns", "default", List.of(), "r/p:1"));
        }

        assertThat(bounded.drain(10))
                .extracting(AdmissionMisses.Miss::digest)
                .containsExactly("sha256:" + "b".repeat(64), "sha256:" + "c".repeat(64));
        assertThat(bounded.size()).isZero();
    }
}
