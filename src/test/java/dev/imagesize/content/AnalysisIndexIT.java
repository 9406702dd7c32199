package dev.imagesize.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisSpec;
import dev.imagesize.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The watch of ImageAnalysis objects against the real API server: what exists before it starts is known too (the
 * informer announces those with its names-only store, so the index reads their content itself).
 */
class AnalysisIndexIT {

    @Test
    void anAnalysisCreatedBeforeTheWatchStartsIsKnownAndClaimable() {
        KubernetesClient client = TestCluster.get().withCrds().client();
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String digest = "sha256:" + HexFormat.of().formatHex(random);
        ImageAnalysis analysis = new ImageAnalysis();
        analysis.setMetadata(
                new ObjectMetaBuilder().withName(ImageAnalysis.nameFor(digest)).build());
        analysis.setSpec(new ImageAnalysisSpec(
                digest,
                "linux/amd64",
                "reg.invalid/index-it",
                AnalysisRequester.ADMISSION,
                List.of(new AnalysisSource("reg.invalid", "index-it", "default", "default", List.of()))));
        client.resource(analysis).create();
        AnalysisIndex index = new AnalysisIndex(client);
        try {
            index.start();
            await().atMost(Duration.ofSeconds(20)).until(index::isSynced);
            KnownAnalysis known = index.byDigest(digest).orElseThrow();
            assertThat(known.phase()).isEqualTo(AnalysisPhase.PENDING);
            assertThat(known.resourceVersion()).isNotBlank();
            assertThat(known.name()).isEqualTo(ImageAnalysis.nameFor(digest));
        } finally {
            index.stop();
            client.resources(ImageAnalysis.class)
                    .withName(ImageAnalysis.nameFor(digest))
                    .delete();
        }
    }
}
