package dev.imagesize.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.ClusterImageSizePolicy;
import dev.imagesize.api.v1alpha1.ImageSizePolicy;
import dev.imagesize.api.v1alpha1.LimitOverride;
import dev.imagesize.api.v1alpha1.PolicyAction;
import dev.imagesize.api.v1alpha1.ResolveErrorAction;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The examples read into the API classes as the operator will read them (the API server checks them in the IT). */
class ExamplesTest {

    private final KubernetesSerialization serialization = new KubernetesSerialization();

    @Test
    void serviceBudget() throws IOException {
        ImageSizePolicy policy = read("service-budget.yaml", ImageSizePolicy.class);

        assertThat(policy.getSpec().getAction()).isEqualTo(PolicyAction.ENFORCE);
        assertThat(policy.getSpec().getSelector().getMatchLabels())
                .containsEntry("app.kubernetes.io/component", "service");
        assertThat(policy.getSpec().getMaxImageSize()).isEqualTo("100Mi");
        assertThat(policy.getSpec().getExclude().getImages()).containsExactly("registry.k8s.io/*");
        LimitOverride ml = policy.getSpec().getOverrides().get(0);
        assertThat(ml.getImages()).containsExactly("ghcr.io/acme/ml-*");
        assertThat(ml.getMaxImageSize()).isEqualTo("4Gi");
        assertThat(ml.getMaxLayerSize()).isNull();
        assertThat(policy.getSpec().getOnResolveError()).isEqualTo(ResolveErrorAction.WARN);
    }

    @Test
    void growthBudget() throws IOException {
        ImageSizePolicy policy = read("growth-budget.yaml", ImageSizePolicy.class);

        assertThat(policy.getSpec().getMaxGrowth()).isEqualTo("20%, 50Mi");
        assertThat(dev.imagesize.policy.MaxGrowth.parse(policy.getSpec().getMaxGrowth()))
                .isEqualTo(new dev.imagesize.policy.MaxGrowth(new java.math.BigDecimal("20"), 50L * 1024 * 1024));
        assertThat(policy.getSpec().getOverrides().get(0).getMaxGrowth()).isEqualTo("100%");
        assertThat(policy.getSpec().getOverrides().get(0).getMaxImageSize()).isNull();
    }

    @Test
    void clusterBaseline() throws IOException {
        ClusterImageSizePolicy policy = read("cluster-baseline.yaml", ClusterImageSizePolicy.class);

        assertThat(policy.getSpec().getAction()).isEqualTo(PolicyAction.WARN);
        assertThat(policy.getSpec().getMaxImageSize()).isEqualTo("1Gi");
        assertThat(policy.getSpec().getMaxLayerSize()).isEqualTo("500Mi");
        assertThat(policy.getSpec().getNamespaceSelector().getMatchExpressions())
                .containsExactly(new LabelSelectorRequirement(
                        "kubernetes.io/metadata.name", "NotIn", java.util.List.of("kube-system")));
        assertThat(policy.getSpec().getSelector()).isNull();
    }

    @Test
    void auditLayersKeepsTheDefaultsForWhatItDoesNotSay() throws IOException {
        ClusterImageSizePolicy policy = read("audit-layers.yaml", ClusterImageSizePolicy.class);

        assertThat(policy.getSpec().getAction()).isEqualTo(PolicyAction.AUDIT);
        assertThat(policy.getSpec().getMaxLayers()).isEqualTo(40);
        assertThat(policy.getSpec().getMaxImageSize()).isNull();
        assertThat(policy.getSpec().getOnResolveError()).isEqualTo(ResolveErrorAction.WARN);
        assertThat(policy.getSpec().getPlatforms()).isEmpty();
        assertThat(policy.getSpec().getOverrides()).isEmpty();
    }

    @Test
    void writingAPolicyLeavesOutWhatIsUnset() throws IOException {
        String yaml = serialization.asYaml(read("audit-layers.yaml", ClusterImageSizePolicy.class));

        assertThat(yaml).contains("maxLayers: 40").doesNotContain("null", "platforms", "overrides", "exclude");
    }

    private <T> T read(String example, Class<T> type) throws IOException {
        try (InputStream in =
                Files.newInputStream(Crds.projectDir().resolve("examples").resolve(example))) {
            return serialization.unmarshal(in, type);
        }
    }
}
