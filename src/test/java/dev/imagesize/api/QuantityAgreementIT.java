package dev.imagesize.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.ImageSizePolicy;
import dev.imagesize.api.v1alpha1.ImageSizePolicySpec;
import dev.imagesize.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real API server is the oracle: for quantities generated across resource.Quantity's grammar, a dry-run create
 * of a policy with that maxImageSize is accepted exactly when the operator's ByteSize reads it as a positive size, and
 * exactly when {@link SizeRuleMirror} (which the unit tests use for many more samples) says so.
 */
class QuantityAgreementIT {
    private static KubernetesClient client;

    @BeforeAll
    static void crds() {
        client = TestCluster.get().withCrds().client();
    }

    @Test
    void theApiServerAcceptsExactlyTheSizesTheOperatorReads() {
        List<String> samples = new QuantityGrammar(11).samples(600);
        List<String> disagreements = new ArrayList<>();
        int accepted = 0;
        for (String quantity : samples) {
            boolean apiServer = apiServerAccepts(quantity);
            accepted += apiServer ? 1 : 0;
            boolean operator = QuantityAgreementTest.operatorAccepts(quantity);
            boolean mirror = SizeRuleMirror.accepts(quantity);
            if (apiServer != operator || apiServer != mirror) {
                disagreements.add(
                        quantity + ": API server " + apiServer + ", ByteSize " + operator + ", mirror " + mirror);
            }
        }

        assertThat(disagreements).isEmpty();
        assertThat(accepted).as("the samples cover both sides").isBetween(60, 540);
    }

    private static boolean apiServerAccepts(String quantity) {
        ImageSizePolicySpec spec = new ImageSizePolicySpec();
        spec.setMaxImageSize(quantity);
        ImageSizePolicy policy = new ImageSizePolicy();
        policy.setMetadata(new ObjectMetaBuilder()
                .withName("quantity")
                .withNamespace("default")
                .build());
        policy.setSpec(spec);
        try {
            client.resource(policy).dryRun().create();
            return true;
        } catch (KubernetesClientException e) {
            assertThat(e.getCode())
                    .as("refused as invalid, not failed: %s", e.getMessage())
                    .isEqualTo(422);
            assertThat(e.getMessage()).contains("spec.maxImageSize");
            return false;
        }
    }
}
