package dev.imagesize.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.operator.Identity;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads and writes the operator's own report objects through the API server: lists them by their label (metadata only,
 * so a resync costs kilobytes, not the reports), reads one, applies one with server-side apply under this replica's
 * field manager and strict field validation (the API server refuses any field the report CRD's schema does not
 * define), and deletes one.
 */
final class ReportClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METADATA_ONLY =
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json";
    private static final int PAGE = 500;

    /**
     * A report of the operator's as the API server has it.
     *
     * @param namespace null for a cluster report
     * @param hash its content hash annotation, or null
     */
    record Stored(String namespace, String name, String hash) {}

    private final KubernetesClient client;
    private final Identity identity;
    private final Duration timeout;

    ReportClient(KubernetesClient client, Identity identity, Duration timeout) {
        this.client = client;
        this.identity = identity;
        this.timeout = timeout;
    }

    /** Every report of {@code api} the operator wrote, namespaced and cluster-scoped. */
    List<Stored> ours(ReportApi api) {
        List<Stored> stored = new ArrayList<>();
        stored.addAll(list(api, false));
        stored.addAll(list(api, true));
        return stored;
    }

    private List<Stored> list(ReportApi api, boolean clusterScoped) {
        List<Stored> stored = new ArrayList<>();
        String base = client.getMasterUrl().toString().replaceAll("/+$", "") + "/apis/" + api.apiVersion() + "/"
                + api.plural(clusterScoped) + "?limit=" + PAGE + "&labelSelector="
                + URLEncoder.encode(
                        ReportDocuments.MANAGED_BY_LABEL + "=" + ReportDocuments.MANAGED_BY, StandardCharsets.UTF_8);
        String next = null;
        do {
            String url = next == null ? base : base + "&continue=" + URLEncoder.encode(next, StandardCharsets.UTF_8);
            JsonNode page = get(url);
            for (JsonNode item : page.path("items")) {
                JsonNode metadata = item.path("metadata");
                String hash = metadata.path("annotations")
                        .path(ReportDocuments.CONTENT_HASH)
                        .asText(null);
                stored.add(new Stored(
                        clusterScoped ? null : metadata.path("namespace").asText(),
                        metadata.path("name").asText(),
                        hash));
            }
            next = page.path("metadata").path("continue").asText("");
        } while (!next.isEmpty());
        return stored;
    }

    private JsonNode get(String url) {
        HttpRequest request = client.getHttpClient()
                .newHttpRequestBuilder()
                .uri(url)
                .header("Accept", METADATA_ONLY)
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .build();
        try {
            HttpResponse<String> response = client.getHttpClient()
                    .sendAsync(request, String.class)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (response.code() != 200) {
                throw new KubernetesClientException(
                        "listing reports answered " + response.code(), response.code(), null);
            }
            return JSON.readTree(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubernetesClientException("interrupted while listing reports");
        } catch (ExecutionException | TimeoutException | IOException e) {
            throw new KubernetesClientException("cannot list reports: " + e, e);
        }
    }

    /** The report as stored, or null when there is none. */
    GenericKubernetesResource get(ReportApi api, String namespace, String name) {
        var resources = client.genericKubernetesResources(api.resource(namespace == null));
        return namespace == null
                ? resources.withName(name).get()
                : resources.inNamespace(namespace).withName(name).get();
    }

    /** Creates or replaces the report: server-side apply, this replica's field manager, unknown fields refused. */
    void apply(ReportApi api, GenericKubernetesResource report) {
        String namespace = report.getMetadata().getNamespace();
        var resources = client.genericKubernetesResources(api.resource(namespace == null));
        var resource = namespace == null
                ? resources.resource(report)
                : resources.inNamespace(namespace).resource(report);
        resource.patch(
                new PatchContext.Builder()
                        .withPatchType(PatchType.SERVER_SIDE_APPLY)
                        .withForce(true)
                        .withFieldManager(identity.fieldManager())
                        .withFieldValidation("Strict")
                        .build(),
                client.getKubernetesSerialization().asJson(report));
    }

    /** Deletes the report; one that is already gone is fine. */
    void delete(ReportApi api, String namespace, String name) {
        var resources = client.genericKubernetesResources(api.resource(namespace == null));
        try {
            if (namespace == null) {
                resources.withName(name).delete();
            } else {
                resources.inNamespace(namespace).withName(name).delete();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }
}
