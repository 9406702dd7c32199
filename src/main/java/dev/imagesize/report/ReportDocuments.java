package dev.imagesize.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The report objects themselves, as the report CRDs' schemas define them, and what tells whether one changed: a hash
 * of everything but the results' timestamps, kept in an annotation, so an unchanged report is never written again,
 * not even by a new leader. Pure.
 */
public final class ReportDocuments {
    /** Every report of the operator carries this label, so it lists (and deletes) only its own. */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

    public static final String MANAGED_BY = "image-size-operator";
    /** The hash of the report's content (timestamps aside). */
    public static final String CONTENT_HASH = "imagesize.dev/content-hash";
    /** Results left out of the report to stay under the size budget. */
    public static final String OMITTED_RESULTS = "imagesize.dev/omitted-results";
    /** Which part of its namespace's report this is: {@code 2/4}. */
    public static final String PART = "imagesize.dev/report-part";

    /** The report's and each result's {@code source}, which Policy Reporter shows as the engine. */
    public static final String SOURCE = "image-size-operator";

    public static final String CATEGORY = "Image size";

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private ReportDocuments() {}

    /** The bytes one result takes in a report (its JSON, a timestamp included). */
    public static int size(ReportResult result) {
        return json(result(result, Instant.EPOCH)).length() + 1;
    }

    /**
     * The report object for one part of a namespace's report ({@code namespace} null: the cluster report).
     *
     * @param timestamps when each result was first found (a result whose content is unchanged keeps its time)
     */
    public static GenericKubernetesResource document(
            ReportApi api, String namespace, ReportParts.Part part, Function<ReportResult, Instant> timestamps) {
        GenericKubernetesResource report = new GenericKubernetesResource();
        report.setApiVersion(api.apiVersion());
        report.setKind(api.kind(namespace == null));
        ObjectMeta metadata = new ObjectMeta();
        metadata.setName(part.name());
        metadata.setNamespace(namespace);
        metadata.setLabels(new LinkedHashMap<>(Map.of(MANAGED_BY_LABEL, MANAGED_BY)));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(CONTENT_HASH, hash(api, namespace, part));
        annotations.put(PART, part.index() + "/" + part.of());
        annotations.put(OMITTED_RESULTS, Integer.toString(part.omitted()));
        metadata.setAnnotations(annotations);
        report.setMetadata(metadata);
        if (api.hasReportSource()) {
            report.setAdditionalProperty("source", SOURCE);
        }
        report.setAdditionalProperty("summary", summary(part.results()));
        List<Map<String, Object>> results = new ArrayList<>(part.results().size());
        part.results().forEach(r -> results.add(result(r, timestamps.apply(r))));
        report.setAdditionalProperty("results", results);
        return report;
    }

    /** The hash of a part's content: what a report written for it says, timestamps aside. */
    public static String hash(ReportApi api, String namespace, ReportParts.Part part) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("apiVersion", api.apiVersion());
        content.put("namespace", namespace == null ? "" : namespace);
        content.put("name", part.name());
        content.put("part", part.index() + "/" + part.of());
        content.put("omitted", part.omitted());
        List<Map<String, Object>> results = new ArrayList<>(part.results().size());
        part.results().forEach(r -> results.add(result(r, null)));
        content.put("results", results);
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest(json(content).getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * When each result of an existing report was found, keyed by the result without its timestamp, so that a result
     * that did not change keeps its time when the report around it is rewritten.
     */
    @SuppressWarnings("unchecked")
    public static Map<Map<String, Object>, Instant> timestamps(GenericKubernetesResource existing) {
        Map<Map<String, Object>, Instant> found = new HashMap<>();
        if (existing == null || !(existing.getAdditionalProperties().get("results") instanceof List<?> results)) {
            return found;
        }
        for (Object item : results) {
            if (item instanceof Map<?, ?> map && map.get("timestamp") instanceof Map<?, ?> time) {
                Map<String, Object> content = new HashMap<>((Map<String, Object>) map);
                content.remove("timestamp");
                Object seconds = time.get("seconds");
                if (seconds instanceof Number number) {
                    found.put(normalized(content), Instant.ofEpochSecond(number.longValue()));
                }
            }
        }
        return found;
    }

    /** A result as a report holds it, without its timestamp: the key of {@link #timestamps}. */
    public static Map<String, Object> withoutTimestamp(ReportResult result) {
        return normalized(result(result, null));
    }

    /** The same map with JSON's types (numbers, lists, maps) as the API server's answers read back. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> normalized(Map<String, Object> map) {
        try {
            return JSON.readValue(json(map), Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One result as the report schemas define it; no timestamp when {@code timestamp} is null. */
    static Map<String, Object> result(ReportResult result, Instant timestamp) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("source", SOURCE);
        map.put("policy", result.policy());
        map.put("rule", result.rule());
        map.put("category", CATEGORY);
        map.put("result", result.result().value());
        map.put("severity", result.severity().value());
        map.put("scored", result.scored());
        map.put("message", result.message());
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("apiVersion", result.resource().apiVersion());
        resource.put("kind", result.resource().kind());
        if (result.resource().namespace() != null) {
            resource.put("namespace", result.resource().namespace());
        }
        resource.put("name", result.resource().name());
        if (result.resource().uid() != null) {
            resource.put("uid", result.resource().uid());
        }
        map.put("resources", List.of(resource));
        map.put("properties", result.properties());
        if (timestamp != null) {
            map.put("timestamp", Map.of("seconds", timestamp.getEpochSecond(), "nanos", 0));
        }
        return map;
    }

    /** The count of each outcome among the results, as a report's summary (every field, zeros included). */
    static Map<String, Object> summary(List<ReportResult> results) {
        Map<ReportResult.Outcome, Integer> counts = new EnumMap<>(ReportResult.Outcome.class);
        for (ReportResult.Outcome outcome : ReportResult.Outcome.values()) {
            counts.put(outcome, 0);
        }
        results.forEach(r -> counts.merge(r.result(), 1, Integer::sum));
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String field : List.of("pass", "fail", "warn", "error", "skip")) {
            summary.put(field, counts.get(ReportResult.Outcome.valueOf(field.toUpperCase(java.util.Locale.ROOT))));
        }
        return summary;
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
