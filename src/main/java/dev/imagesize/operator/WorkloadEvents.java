package dev.imagesize.operator;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.EventList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
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
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";

    /** What this replica last wrote for one Event. */
    private record Emitted(int count, Instant at) {
        static final Emitted NONE = new Emitted(0, Instant.EPOCH);
        /** It exists, but what it says is not known here: read it. */
        static final Emitted UNKNOWN = new Emitted(0, Instant.EPOCH);
    }

    private final KubernetesClient client;
    private final Identity identity;
    private final Duration repeatInterval;
    private final Runnable onWrite;
    private final Cache<String, Emitted> emitted =
            Caffeine.newBuilder().maximumSize(50_000).build();
    private volatile boolean loaded;
    private volatile boolean loadTried;

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
        loadOnce();
        Emitted last = emitted.getIfPresent(key);
        if (last == null && loaded) {
            last = Emitted.NONE; // read back at the start of this term: the Event does not exist yet
        }
        if (last != null && Duration.between(last.at(), now).compareTo(repeatInterval) < 0) {
            return; // seen again within the interval: nothing to tell
        }
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            if (last == Emitted.NONE) {
                create(object, namespace, name, reason, message, time);
                emitted.put(key, new Emitted(1, now));
                return;
            }
            if (last == null || last == Emitted.UNKNOWN) {
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
            Event named = new EventBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(namespace)
                    .endMetadata()
                    .build();
            client.v1()
                    .events()
                    .inNamespace(namespace)
                    .resource(named) // names the Event without reading it first
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
            } else if (e.getCode() == 409) {
                emitted.put(key, Emitted.UNKNOWN); // it exists after all: read it back next time
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
                .addToLabels(MANAGED_BY, Identity.COMPONENT)
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
        loaded = false;
        loadTried = false;
    }

    /**
     * Reads back the Events this operator wrote (one paged list, not a read per Event), so that a new leader moves
     * their counts instead of asking for each.
     */
    private synchronized void loadOnce() {
        if (loadTried) {
            return;
        }
        loadTried = true;
        try {
            load();
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot read back earlier events (%s); reading them one by one", e.getMessage());
        }
    }

    private void load() {
        String continueToken = null;
        int count = 0;
        do {
            EventList page = client.v1()
                    .events()
                    .inAnyNamespace()
                    .withLabel(MANAGED_BY, Identity.COMPONENT)
                    .list(new ListOptionsBuilder()
                            .withLimit(500L)
                            .withContinue(continueToken)
                            .build());
            for (Event event : page.getItems()) {
                Instant last =
                        event.getLastTimestamp() == null ? Instant.EPOCH : Instant.parse(event.getLastTimestamp());
                emitted.put(
                        event.getMetadata().getNamespace() + "/"
                                + event.getMetadata().getName(),
                        new Emitted(event.getCount() == null ? 1 : event.getCount(), last));
                count++;
            }
            continueToken =
                    page.getMetadata() == null ? null : page.getMetadata().getContinue();
        } while (continueToken != null && !continueToken.isEmpty());
        loaded = true;
        LOG.debugf("read back %d events", count);
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
