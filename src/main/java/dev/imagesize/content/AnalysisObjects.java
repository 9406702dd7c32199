package dev.imagesize.content;

import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisSpec;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes ImageAnalysis objects: creates them Pending, reads one whole, replaces its status at a
 * resourceVersion (the analyzer's claims and results), annotates and deletes it (the sweeper).
 */
public final class AnalysisObjects implements AnalysisClaims.StatusStore {
    /** Label: the first 32 hex digits of the digest, so {@code kubectl get ia -l} finds an image. */
    public static final String DIGEST_LABEL = "imagesize.dev/digest";

    private final KubernetesClient client;
    private final String fieldManager;

    public AnalysisObjects(KubernetesClient client, String fieldManager) {
        this.client = client;
        this.fieldManager = fieldManager;
    }

    /**
     * Creates the Pending analysis of {@code digest}; nothing when it exists already.
     *
     * @return whether it was created here
     */
    public boolean createPending(
            String digest, String platform, String image, AnalysisRequester requestedBy, AnalysisSource source) {
        ImageAnalysis analysis = new ImageAnalysis();
        analysis.setMetadata(new ObjectMetaBuilder()
                .withName(ImageAnalysis.nameFor(digest))
                .addToLabels(DIGEST_LABEL, labelOf(digest))
                .build());
        analysis.setSpec(new ImageAnalysisSpec(digest, platform, image, requestedBy, List.of(source)));
        try {
            client.resource(analysis).create();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            throw e;
        }
    }

    /** The whole object, or empty when it is gone. */
    public Optional<ImageAnalysis> get(String name) {
        return Optional.ofNullable(
                client.resources(ImageAnalysis.class).withName(name).get());
    }

    @Override
    public Optional<String> replaceStatus(String name, String resourceVersion, ImageAnalysisState state)
            throws AnalysisClaims.StaleVersion {
        ImageAnalysis analysis = new ImageAnalysis();
        analysis.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withResourceVersion(resourceVersion)
                .build());
        analysis.setStatus(state);
        try {
            // a PUT of the status subresource at this resourceVersion: the API server refuses it (409) when the
            // object changed since
            ImageAnalysis written = client.resource(analysis).updateStatus();
            return Optional.of(written.getMetadata().getResourceVersion());
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return Optional.empty();
            }
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                throw new AnalysisClaims.StaleVersion();
            }
            throw e;
        }
    }

    @Override
    public Optional<AnalysisClaims.Versioned> read(String name) {
        return get(name)
                .map(analysis -> new AnalysisClaims.Versioned(
                        analysis.getMetadata().getResourceVersion(), analysis.getStatus()));
    }

    /** Records that a governed workload referenced the analysis {@code name} at {@code at} (an annotation). */
    public void markReferenced(String name, java.time.Instant at) {
        client.resources(ImageAnalysis.class)
                .withName(name)
                .patch(
                        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + KnownAnalysis.REFERENCED_AT + "\":\"" + at + "\"}}}");
    }

    /** Deletes the analysis {@code name} (nothing when it is gone). */
    public void delete(String name) {
        client.resources(ImageAnalysis.class).withName(name).delete();
    }

    /** The label value for {@code digest}: its first 32 hex digits (label values have at most 63 characters). */
    static String labelOf(String digest) {
        String hex = digest.substring(digest.indexOf(':') + 1);
        return hex.substring(0, Math.min(32, hex.length()));
    }
}
