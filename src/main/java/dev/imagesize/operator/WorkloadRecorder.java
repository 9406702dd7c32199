package dev.imagesize.operator;

import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Messages;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Writes the audit's verdict onto workloads: {@code imagesize.dev/*} annotations by server-side apply under the
 * operator's field manager, only when they change; and one {@code Warning ImageTooLarge} Event per distinct set of
 * violations (its name is derived from them, so a repeated pass creates nothing new).
 */
@Singleton
public class WorkloadRecorder {
    public static final String FIELD_MANAGER = "image-size-operator";
    public static final String REASON = "ImageTooLarge";
    private static final Logger LOG = Logger.getLogger(WorkloadRecorder.class);

    private final KubernetesClient client;

    WorkloadRecorder(KubernetesClient client) {
        this.client = client;
    }

    public void record(HasMetadata workload, WorkloadVerdict verdict, List<Finding> findings, Instant now) {
        if (!verdict.isWrittenIn(workload.getMetadata().getAnnotations())) {
            apply(workload, verdict.annotations(now));
        }
        List<Finding> over = findings.stream()
                .filter(f -> f.outcome() == Finding.Outcome.OVER)
                .toList();
        if (!over.isEmpty()) {
            emitEvent(workload, over, verdict, now);
        }
    }

    /** Removes our annotations from a workload no policy governs any more. */
    public void clear(HasMetadata workload) {
        Map<String, String> annotations = workload.getMetadata().getAnnotations();
        if (annotations != null && annotations.keySet().stream().anyMatch(k -> k.startsWith(WorkloadVerdict.PREFIX))) {
            apply(workload, Map.of());
        }
    }

    private void apply(HasMetadata workload, Map<String, String> annotations) {
        GenericKubernetesResource patch = new GenericKubernetesResourceBuilder()
                .withApiVersion(workload.getApiVersion())
                .withKind(workload.getKind())
                .withNewMetadata()
                .withName(workload.getMetadata().getName())
                .withNamespace(workload.getMetadata().getNamespace())
                .withAnnotations(annotations)
                .endMetadata()
                .build();
        try {
            client.genericKubernetesResources(workload.getApiVersion(), workload.getKind())
                    .inNamespace(workload.getMetadata().getNamespace())
                    .resource(patch)
                    .fieldManager(FIELD_MANAGER)
                    .forceConflicts()
                    .serverSideApply();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) { // deleted meanwhile: nothing to record
                LOG.warnf(
                        "cannot annotate %s %s/%s: %s",
                        workload.getKind(),
                        workload.getMetadata().getNamespace(),
                        workload.getMetadata().getName(),
                        e.getMessage());
            }
        }
    }

    private void emitEvent(HasMetadata workload, List<Finding> over, WorkloadVerdict verdict, Instant now) {
        String signature = over.stream()
                .map(f -> f.rule().displayName() + "|" + f.container().name() + "|"
                        + f.size().manifestDigest() + "|" + f.limits())
                .sorted()
                .collect(Collectors.joining(";"));
        String name = truncate(workload.getMetadata().getName(), 200) + ".imagesize-" + hash(signature);
        String message = verdict.summary();
        Event event = new EventBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(workload.getMetadata().getNamespace())
                .addToLabels("app.kubernetes.io/managed-by", FIELD_MANAGER)
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion(workload.getApiVersion())
                .withKind(workload.getKind())
                .withName(workload.getMetadata().getName())
                .withNamespace(workload.getMetadata().getNamespace())
                .withUid(workload.getMetadata().getUid())
                .endInvolvedObject()
                .withType("Warning")
                .withReason(REASON)
                .withMessage(message.isEmpty() ? Messages.over(over.get(0)) : message)
                .withFirstTimestamp(now.toString())
                .withLastTimestamp(now.toString())
                .withCount(1)
                .withNewSource()
                .withComponent(FIELD_MANAGER)
                .endSource()
                .withReportingComponent(FIELD_MANAGER)
                .build();
        try {
            client.v1()
                    .events()
                    .inNamespace(workload.getMetadata().getNamespace())
                    .resource(event)
                    .create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) { // 409: this very set of violations was already reported
                LOG.warnf(
                        "cannot record event for %s %s/%s: %s",
                        workload.getKind(),
                        workload.getMetadata().getNamespace(),
                        workload.getMetadata().getName(),
                        e.getMessage());
            }
        }
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
