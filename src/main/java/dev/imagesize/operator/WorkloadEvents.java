package dev.imagesize.operator;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import org.jboss.logging.Logger;

/**
 * Warning Events as Kubernetes' own components record them: one Event per object and distinct problem (its name is
 * derived from both), whose {@code count} and {@code lastTimestamp} move when the problem is seen again (at most once
 * per repeat interval), instead of a new Event, or a refused create, on every pass. Events are written under this
 * replica's identity ({@code source.host}, {@code reportingInstance}).
 */
public final class WorkloadEvents {
    private static final Logger LOG = Logger.getLogger(WorkloadEvents.class);
    static final String REPORTING_CONTROLLER = "imagesize.dev/" + Identity.COMPONENT;

    /** What this replica last wrote for one Event. */
    private record Emitted(int count, Instant at) {}

    private final KubernetesClient client;
    private final Identity identity;
    private final Duration repeatInterval;
    private final Runnable onWrite;
    private final Cache<String, Emitted> emitted =
            Caffeine.newBuilder().maximumSize(50_000).build();

    /**
     * @param repeatInterval a repeat moves the Event's count at most this often
     * @param onWrite told about every write (for the writes metric)
     */
    public WorkloadEvents(KubernetesClient client, Identity identity, Duration repeatInterval, Runnable onWrite) {
        this.client = client;
        this.identity = identity;
        this.repeatInterval = repeatInterval;
        this.onWrite = onWrite;
    }

    /** Records that {@code problem} (identified by {@code signature}) was seen on {@code object} at {@code now}. */
    public void warn(HasMetadata object, String reason, String signature, String message, Instant now) {
        String namespace = object.getMetadata().getNamespace() == null
                ? "default"
                : object.getMetadata().getNamespace();
        String name = truncate(object.getMetadata().getName(), 200) + ".imagesize-" + hash(signature);
        String key = namespace + "/" + name;
        Emitted last = emitted.getIfPresent(key);
        if (last != null && Duration.between(last.at(), now).compareTo(repeatInterval) < 0) {
            return; // seen again within the interval: nothing to tell
        }
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            if (last == null) {
                Event existing = client.v1()
                        .events()
                        .inNamespace(namespace)
                        .withName(name)
                        .get();
                if (existing == null) {
                    create(object, namespace, name, reason, message, time);
                    emitted.put(key, new Emitted(1, now));
                    return;
                }
                int count = existing.getCount() == null ? 1 : existing.getCount();
                last = new Emitted(
                        count,
                        existing.getLastTimestamp() == null
                                ? Instant.EPOCH
                                : Instant.parse(existing.getLastTimestamp()));
                if (Duration.between(last.at(), now).compareTo(repeatInterval) < 0) {
                    emitted.put(key, last); // a previous leader told it recently
                    return;
                }
            }
            int count = last.count() + 1;
            String patch = "{\"count\":" + count + ",\"lastTimestamp\":\"" + time + "\",\"reportingInstance\":\""
                    + identity.name() + "\",\"source\":{\"component\":\"" + Identity.COMPONENT + "\",\"host\":\""
                    + identity.name() + "\"}}";
            client.v1()
                    .events()
                    .inNamespace(namespace)
                    .withName(name)
                    .patch(
                            new PatchContext.Builder()
                                    .withPatchType(PatchType.JSON_MERGE)
                                    .withFieldManager(identity.fieldManager())
                                    .build(),
                            patch);
            onWrite.run();
            emitted.put(key, new Emitted(count, now));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                // expired (the API server's Event TTL) since we last told it: tell it anew
                emitted.invalidate(key);
                try {
                    create(object, namespace, name, reason, message, time);
                    emitted.put(key, new Emitted(1, now));
                } catch (KubernetesClientException again) {
                    LOG.warnf("cannot record event %s/%s: %s", namespace, name, again.getMessage());
                }
            } else {
                LOG.warnf("cannot record event %s/%s: %s", namespace, name, e.getMessage());
            }
        }
    }

    private void create(HasMetadata object, String namespace, String name, String reason, String message, String time) {
        Event event = new EventBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", Identity.COMPONENT)
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion(object.getApiVersion())
                .withKind(object.getKind())
                .withName(object.getMetadata().getName())
                .withNamespace(object.getMetadata().getNamespace())
                .withUid(object.getMetadata().getUid())
                .endInvolvedObject()
                .withType("Warning")
                .withReason(reason)
                .withMessage(PersistedText.stable(message))
                .withFirstTimestamp(time)
                .withLastTimestamp(time)
                .withCount(1)
                .withNewSource()
                .withComponent(Identity.COMPONENT)
                .withHost(identity.name())
                .endSource()
                .withReportingComponent(REPORTING_CONTROLLER)
                .withReportingInstance(identity.name())
                .build();
        client.v1().events().inNamespace(namespace).resource(event).create();
        onWrite.run();
    }

    /** Forgets what was emitted (leadership ended: the next leader reads the Events back). */
    void clear() {
        emitted.invalidateAll();
    }

    static String hash(String text) {
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
