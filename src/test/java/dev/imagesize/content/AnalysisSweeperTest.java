package dev.imagesize.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import dev.imagesize.content.AnalysisSweeper.Action;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnalysisSweeperTest {
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Duration WEEK = Duration.ofDays(7);

    private static KnownAnalysis known(Instant created, Instant referenced, String ttl, AnalysisPhase phase) {
        ImageAnalysis analysis = ContentNotesTest.analysis(
                ContentNotesTest.DIGEST, ImageAnalysisState.waiting(phase, null, 1, null, "a"));
        analysis.getMetadata().setCreationTimestamp(created.toString());
        Map<String, String> annotations = new HashMap<>();
        if (referenced != null) {
            annotations.put(KnownAnalysis.REFERENCED_AT, referenced.toString());
        }
        if (ttl != null) {
            annotations.put(KnownAnalysis.TTL, ttl);
        }
        analysis.getMetadata().setAnnotations(annotations);
        return KnownAnalysis.of(analysis);
    }

    @Test
    void aReferencedAnalysisIsMarkedOnceAQuarterOfItsTtlPassedAndNeverDeleted() {
        Instant old = NOW.minus(Duration.ofDays(30));
        assertThat(AnalysisSweeper.action(known(old, null, null, AnalysisPhase.COMPLETE), true, NOW, WEEK))
                .isEqualTo(Action.MARK_REFERENCED);
        assertThat(AnalysisSweeper.action(
                        known(old, NOW.minus(Duration.ofDays(1)), null, AnalysisPhase.COMPLETE), true, NOW, WEEK))
                .isEqualTo(Action.KEEP);
        assertThat(AnalysisSweeper.action(
                        known(old, NOW.minus(Duration.ofDays(2)), null, AnalysisPhase.COMPLETE), true, NOW, WEEK))
                .isEqualTo(Action.MARK_REFERENCED);
    }

    @Test
    void anUnreferencedAnalysisIsDeletedOnlyPastItsTtlSinceItsLastReferenceOrCreation() {
        Instant old = NOW.minus(Duration.ofDays(30));
        assertThat(AnalysisSweeper.action(known(old, null, null, AnalysisPhase.COMPLETE), false, NOW, WEEK))
                .isEqualTo(Action.DELETE);
        assertThat(AnalysisSweeper.action(
                        known(NOW.minus(Duration.ofDays(6)), null, null, AnalysisPhase.PENDING), false, NOW, WEEK))
                .as("an admission miss, created six days ago")
                .isEqualTo(Action.KEEP);
        assertThat(AnalysisSweeper.action(
                        known(old, NOW.minus(Duration.ofDays(6)), null, AnalysisPhase.COMPLETE), false, NOW, WEEK))
                .isEqualTo(Action.KEEP);
        assertThat(AnalysisSweeper.action(known(old, null, null, AnalysisPhase.ANALYZING), false, NOW, WEEK))
                .as("being analysed")
                .isEqualTo(Action.KEEP);
    }

    @Test
    void theTtlAnnotationOverridesTheDefault() {
        Instant twoHoursAgo = NOW.minus(Duration.ofHours(2));
        assertThat(AnalysisSweeper.action(known(twoHoursAgo, null, "1h", AnalysisPhase.COMPLETE), false, NOW, WEEK))
                .isEqualTo(Action.DELETE);
        assertThat(AnalysisSweeper.action(known(twoHoursAgo, null, "90m", AnalysisPhase.COMPLETE), false, NOW, WEEK))
                .isEqualTo(Action.DELETE);
        assertThat(AnalysisSweeper.action(known(twoHoursAgo, null, "3h", AnalysisPhase.COMPLETE), false, NOW, WEEK))
                .isEqualTo(Action.KEEP);
        assertThat(AnalysisSweeper.action(
                        known(twoHoursAgo, null, "two hours", AnalysisPhase.COMPLETE), false, NOW, WEEK))
                .as("unreadable: the default applies")
                .isEqualTo(Action.KEEP);
    }
}
