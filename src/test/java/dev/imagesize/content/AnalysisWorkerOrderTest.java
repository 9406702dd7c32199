package dev.imagesize.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisSpec;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AnalysisWorkerOrderTest {

    private static KnownAnalysis known(char digit, AnalysisRequester by, int attempts, String repository) {
        String digest = "sha256:" + String.valueOf(digit).repeat(64);
        ImageAnalysis analysis = new ImageAnalysis();
        analysis.setMetadata(new ObjectMetaBuilder()
                .withName(ImageAnalysis.nameFor(digest))
                .withResourceVersion("1")
                .build());
        analysis.setSpec(new ImageAnalysisSpec(
                digest,
                "linux/amd64",
                "reg.local/" + repository,
                by,
                List.of(new AnalysisSource("reg.local", repository, null, null, List.of()))));
        analysis.setStatus(ImageAnalysisState.waiting(AnalysisPhase.PENDING, null, attempts, null, null));
        return KnownAnalysis.of(analysis);
    }

    @Test
    void admissionMissesFirstThenFewestTriesThenRepositoriesThisReplicaKnows() {
        KnownAnalysis auditKnown = known('1', AnalysisRequester.AUDIT, 0, "shop/api");
        KnownAnalysis auditOther = known('2', AnalysisRequester.AUDIT, 0, "team/batch");
        KnownAnalysis admissionOther = known('3', AnalysisRequester.ADMISSION, 0, "team/batch");
        KnownAnalysis auditKnownRetried = known('4', AnalysisRequester.AUDIT, 1, "shop/api");
        Set<String> recent = Set.of("reg.local/shop/api");

        List<KnownAnalysis> ordered = List.of(auditKnownRetried, auditOther, auditKnown, admissionOther).stream()
                .sorted(AnalysisWorker.order(recent::contains))
                .toList();

        assertThat(ordered).containsExactly(admissionOther, auditKnown, auditOther, auditKnownRetried);
    }

    @Test
    void withoutRecentRepositoriesTheOrderIsPriorityAndTries() {
        KnownAnalysis first = known('1', AnalysisRequester.ADMISSION, 2, "a");
        KnownAnalysis second = known('2', AnalysisRequester.AUDIT, 0, "b");
        KnownAnalysis third = known('3', AnalysisRequester.AUDIT, 1, "c");

        assertThat(List.of(third, second, first).stream()
                        .sorted(AnalysisWorker.order(repository -> false))
                        .toList())
                .containsExactly(first, second, third);
    }
}
