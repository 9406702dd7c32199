package dev.imagesize.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Messages;
import dev.imagesize.workload.WorkloadKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Writes the audit's verdict onto workloads: the {@code imagesize.dev/*} annotations, only when they change (a merge
 * patch under this replica's field manager that also removes our annotations the verdict no longer has), and a
 * {@code Warning ImageTooLarge} Event per distinct set of violations, whose count moves on repeats.
 */
public final class WorkloadRecorder {
    public static final String REASON = "ImageTooLarge";
    private static final Logger LOG = Logger.getLogger(WorkloadRecorder.class);

    private final KubernetesClient client;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Identity identity;
    private final WorkloadEvents events;
    private final Runnable onWrite;

    /**
     * @param onWrite told about every annotation write (for the writes metric)
     */
    public WorkloadRecorder(KubernetesClient client, Identity identity, WorkloadEvents events, Runnable onWrite) {
        this.client = client;
        this.identity = identity;
        this.events = events;
        this.onWrite = onWrite;
    }

    /** Records {@code verdict} on {@code workload} (a cached copy: its annotations tell what is written already). */
    public void record(HasMetadata workload, WorkloadVerdict verdict, List<Finding> findings, Instant now) {
        Map<String, String> current = workload.getMetadata().getAnnotations();
        if (!verdict.isWrittenIn(current)) {
            annotate(workload, verdict.annotations(now), current);
        }
        List<Finding> over = findings.stream()
                .filter(f -> f.outcome() == Finding.Outcome.OVER)
                .toList();
        if (!over.isEmpty()) {
            String signature = over.stream()
                    .map(f -> f.rule().displayName() + "|" + f.container().name() + "|"
                            + f.size().manifestDigest() + "|" + f.limits())
                    .sorted()
                    .collect(Collectors.joining(";"));
            String message = verdict.summary().isEmpty() ? Messages.over(over.get(0)) : verdict.summary();
            events.warn(workload, REASON, signature, message, now);
        }
    }

    /** Removes our annotations from a workload no policy governs any more. */
    public void clear(HasMetadata workload) {
        Map<String, String> current = workload.getMetadata().getAnnotations();
        if (current != null && current.keySet().stream().anyMatch(k -> k.startsWith(WorkloadVerdict.PREFIX))) {
            annotate(workload, Map.of(), current);
        }
    }

    private void annotate(HasMetadata workload, Map<String, String> wanted, Map<String, String> current) {
        Map<String, Object> annotations = new LinkedHashMap<>(wanted);
        if (current != null) {
            current.keySet().stream()
                    .filter(k -> k.startsWith(WorkloadVerdict.PREFIX) && !wanted.containsKey(k))
                    .forEach(k -> annotations.put(k, null)); // null removes it in a merge patch
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("annotations", annotations);
        String patch;
        try {
            patch = JSON.writeValueAsString(Map.of("metadata", metadata)); // keeps the nulls that remove keys
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        WorkloadKind kind = WorkloadKind.of(workload).orElseThrow();
        try {
            // on the cached copy: the client then names the object without reading it first
            client.resource(workload)
                    .patch(
                            new PatchContext.Builder()
                                    .withPatchType(PatchType.JSON_MERGE)
                                    .withFieldManager(identity.fieldManager())
                                    .build(),
                            patch);
            onWrite.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) { // deleted meanwhile: nothing to record
                LOG.warnf(
                        "cannot annotate %s %s/%s: %s",
                        kind.kind(),
                        workload.getMetadata().getNamespace(),
                        workload.getMetadata().getName(),
                        e.getMessage());
            }
        }
    }
}
