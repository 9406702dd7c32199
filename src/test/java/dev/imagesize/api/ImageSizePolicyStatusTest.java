package dev.imagesize.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.api.v1alpha1.LimitName;
import dev.imagesize.api.v1alpha1.PolicyCondition;
import dev.imagesize.api.v1alpha1.Violation;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Equal statuses are equal, so the reconciler can skip a patch that would change nothing. */
class ImageSizePolicyStatusTest {

    @Test
    void statusesWithTheSameObservationsAreEqual() {
        assertThat(status(851_705_856L)).isEqualTo(status(851_705_856L)).hasSameHashCodeAs(status(851_705_856L));
    }

    @Test
    void anyChangedObservationMakesThemDiffer() {
        assertThat(status(851_705_856L)).isNotEqualTo(status(851_705_857L));

        ImageSizePolicyStatus otherCondition = status(851_705_856L);
        otherCondition.getConditions().get(0).setStatus("False");
        assertThat(status(851_705_856L)).isNotEqualTo(otherCondition);

        ImageSizePolicyStatus otherCount = status(851_705_856L);
        otherCount.setUnresolved(1);
        assertThat(status(851_705_856L)).isNotEqualTo(otherCount);
    }

    @Test
    void survivesTheTripThroughTheApiServer() {
        KubernetesSerialization serialization = new KubernetesSerialization();
        String json = serialization.asJson(status(851_705_856L));

        assertThat(json).contains("\"limit\":\"maxImageSize\"").doesNotContain("null");
        assertThat(serialization.unmarshal(json, ImageSizePolicyStatus.class)).isEqualTo(status(851_705_856L));
    }

    private static ImageSizePolicyStatus status(long sizeBytes) {
        PolicyCondition ready = new PolicyCondition(PolicyCondition.READY, "True", "Evaluated", "3 of 42 over");
        ready.setLastTransitionTime("2026-01-31T12:00:00Z");
        ready.setObservedGeneration(3L);

        Violation violation = new Violation();
        violation.setKind("Deployment");
        violation.setNamespace("shop");
        violation.setName("api");
        violation.setContainer("api");
        violation.setImage("registry.local/shop/api:1.4");
        violation.setDigest("sha256:3f2a");
        violation.setPlatform("linux/amd64");
        violation.setSizeBytes(sizeBytes);
        violation.setLimitBytes(209_715_200L);
        violation.setLimit(LimitName.MAX_IMAGE_SIZE);
        violation.setPolicy("shop/web-budget");

        ImageSizePolicyStatus status = new ImageSizePolicyStatus();
        status.setObservedGeneration(3L);
        status.setConditions(new java.util.ArrayList<>(List.of(ready)));
        status.setWorkloads(42);
        status.setViolations(3);
        status.setUnresolved(0);
        status.setTopViolations(List.of(violation));
        return status;
    }
}
