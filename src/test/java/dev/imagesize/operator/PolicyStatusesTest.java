package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.api.v1alpha1.PolicyCondition;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The Ready condition keeps its lastTransitionTime while its status stays; equal inputs give equal statuses. */
class PolicyStatusesTest {
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final Instant T1 = Instant.parse("2026-11-26T11:00:00Z");

    @Test
    void lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
        ImageSizePolicyStatus first = PolicyStatuses.invalid(1L, "bad", null, T0);
        PolicyCondition ready = first.getConditions().get(0);
        assertThat(ready.getType()).isEqualTo("Ready");
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getReason()).isEqualTo("InvalidPolicy");
        assertThat(ready.getLastTransitionTime()).isEqualTo("2026-11-26T10:00:00Z");
        assertThat(ready.getObservedGeneration()).isEqualTo(1L);

        ImageSizePolicyStatus again = PolicyStatuses.invalid(2L, "still bad, differently", first, T1);
        assertThat(again.getConditions().get(0).getLastTransitionTime())
                .as("same status, other message: no transition")
                .isEqualTo("2026-11-26T10:00:00Z");

        assertThat(PolicyStatuses.invalid(1L, "bad", first, T1)).isEqualTo(first);
    }
}
