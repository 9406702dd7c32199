package dev.imagesize.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.policy.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

/** How images leave a pod spec: bounded and printable for the evaluator and messages, raw for change detection. */
class WorkloadImagesTest {

    private static Pod pod(String image) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("p")
                .withNamespace("ns")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage(image)
                .endContainer()
                .addNewInitContainer()
                .withName("init")
                .withImage("ghcr.io/acme/init:1")
                .endInitContainer()
                .endSpec()
                .build();
    }

    @Test
    void aMegabyteImageIsReadAsAShortStandIn() {
        String huge = "a".repeat(1 << 20);

        Workload workload = Workloads.of(pod(huge)).orElseThrow();

        assertThat(workload.containers())
                .extracting(Container::image)
                .containsExactly("ghcr.io/acme/init:1", "a".repeat(64) + "...(1048576 characters)");
    }

    @Test
    void controlCharactersAreEscapedWhenRead() {
        Workload workload = Workloads.of(pod("nginx\u001b[31m:1")).orElseThrow();

        assertThat(workload.containers().get(1).image()).isEqualTo("nginx\\u001b[31m:1");
    }

    @Test
    void changeDetectionComparesTheImagesAsWritten() {
        String one = "a".repeat(2_000) + "1";
        String two = "a".repeat(2_000) + "2";

        assertThat(Workloads.images(pod(one).getSpec())).containsExactly("ghcr.io/acme/init:1", one);
        assertThat(Workloads.images(pod(one).getSpec()))
                .as("two long images with the same stand-in still differ")
                .isNotEqualTo(Workloads.images(pod(two).getSpec()));
    }
}
