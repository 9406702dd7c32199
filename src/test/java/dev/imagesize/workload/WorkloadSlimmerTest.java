package dev.imagesize.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;

/** What the audit's informers keep of a workload: exactly what the audit reads, nothing more. */
class WorkloadSlimmerTest {

    @Test
    void aPodKeepsItsWorkloadViewOwnerAndOurAnnotationsOnly() {
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName("web-1")
                .withNamespace("shop")
                .withUid("u1")
                .addToLabels("app", "web")
                .addToAnnotations("imagesize.dev/verdict", "Compliant")
                .addToAnnotations("kubectl.kubernetes.io/last-applied-configuration", "{...}".repeat(1000))
                .addNewOwnerReference()
                .withKind("ReplicaSet")
                .withName("web")
                .withUid("rs")
                .withController(true)
                .endOwnerReference()
                .addNewManagedField()
                .withManager("kubectl")
                .endManagedField()
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("reg.io/web:1")
                .addToArgs("--port", "8080")
                .addNewEnv()
                .withName("X")
                .withValue("y")
                .endEnv()
                .endContainer()
                .addNewImagePullSecret("regcred")
                .withServiceAccountName("web")
                .withNodeName("node-1")
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .endStatus()
                .build();
        Workload before = Workloads.of(pod).orElseThrow();

        Pod slim = WorkloadSlimmer.slim(pod);
        assertThat(Workloads.of(slim)).contains(before);
        assertThat(Workloads.checkedController(slim))
                .hasValueSatisfying(o -> assertThat(o.getUid()).isEqualTo("rs"));
        assertThat(slim.getMetadata().getAnnotations()).containsOnlyKeys("imagesize.dev/verdict");
        assertThat(slim.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(slim.getStatus()).isNull();
        assertThat(slim.getSpec().getContainers().get(0).getArgs()).isNullOrEmpty();
        assertThat(slim.getSpec().getContainers().get(0).getEnv()).isNullOrEmpty();
        assertThat(slim.getSpec().getNodeName()).isNull();
    }

    @Test
    void aControllerKeepsItsTemplatesImagesAndLabels() {
        Deployment deployment = new DeploymentBuilder()
                .withNewMetadata()
                .withName("web")
                .withNamespace("shop")
                .endMetadata()
                .withNewSpec()
                .withReplicas(3)
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("tier", "web")
                .addToAnnotations("checksum", "abc")
                .endMetadata()
                .withNewSpec()
                .addNewInitContainer()
                .withName("migrate")
                .withImage("reg.io/migrate:1")
                .endInitContainer()
                .addNewContainer()
                .withName("app")
                .withImage("reg.io/web:1")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .withNewStatus()
                .withReplicas(3)
                .endStatus()
                .build();
        Workload before = Workloads.of(deployment).orElseThrow();

        Deployment slim = WorkloadSlimmer.slim(deployment);
        assertThat(Workloads.of(slim)).contains(before);
        assertThat(slim.getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(slim.getStatus()).isNull();
        assertThat(slim.getSpec().getReplicas()).isEqualTo(3);
    }
}
