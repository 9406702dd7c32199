package dev.imagesize.content;

import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.ApiGroup;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.cluster.SlimStore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Every operator replica's view of the cluster's ImageAnalysis objects, by manifest digest: a watch that projects each
 * object into a {@link KnownAnalysis} (a few hundred bytes) and drops it, so a replica never holds full analyses
 * (tens of KiB each). Objects are watched untyped and converted one by one, so one that cannot be read is skipped and
 * never stops the watch. The webhook reads it on every review without an API call.
 */
public final class AnalysisIndex {
    private static final Logger LOG = Logger.getLogger(AnalysisIndex.class);
    /** Objects per page of the watch's list: bounds the memory of the first list of large objects. */
    private static final long PAGE = 50;

    static final ResourceDefinitionContext ANALYSES = new ResourceDefinitionContext.Builder()
            .withGroup(ApiGroup.GROUP)
            .withVersion(ApiGroup.VERSION)
            .withKind("ImageAnalysis")
            .withPlural("imageanalyses")
            .withNamespaced(false)
            .build();

    private final KubernetesClient client;
    private final Map<String, KnownAnalysis> byDigest = new ConcurrentHashMap<>();
    private final List<Consumer<KnownAnalysis>> settledListeners = new CopyOnWriteArrayList<>();
    private volatile SharedIndexInformer<GenericKubernetesResource> informer;
    /** Whether the objects that existed when the watch started are projected (see {@link #catchUp}). */
    private volatile boolean caughtUp;

    public AnalysisIndex(KubernetesClient client) {
        this.client = client;
    }

    /** Starts the watch; {@link #isSynced()} tells when the first list is in. */
    public synchronized void start() {
        if (informer != null) {
            return;
        }
        informer = client.genericKubernetesResources(ANALYSES).withLimit(PAGE).runnableInformer(0);
        // the informer keeps names only; the projection lives in byDigest
        informer.itemStore(new SlimStore<>(AnalysisIndex::nameOnly));
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource object) {
                update(object);
            }

            @Override
            public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
                update(after);
            }

            @Override
            public void onDelete(GenericKubernetesResource object, boolean finalStateUnknown) {
                byDigest.values().removeIf(known -> known.name()
                        .equals(object.getMetadata().getName()));
            }
        });
        SharedIndexInformer<GenericKubernetesResource> started = informer;
        informer.start().thenRunAsync(() -> catchUp(started));
    }

    /**
     * Projects the objects that existed when the watch started. The informer announces those with what its store
     * keeps (names only, to stay small), so their content is read here once, in pages; an object the watch has
     * already projected (it changed meanwhile) keeps the newer projection.
     */
    private void catchUp(SharedIndexInformer<GenericKubernetesResource> started) {
        String next = null;
        while (informer == started) {
            try {
                GenericKubernetesResourceList page = client.genericKubernetesResources(ANALYSES)
                        .list(new ListOptionsBuilder()
                                .withLimit(PAGE)
                                .withContinue(next)
                                .build());
                for (GenericKubernetesResource raw : page.getItems()) {
                    read(raw)
                            .map(KnownAnalysis::of)
                            .filter(known -> known.digest() != null
                                    && started.getStore().getByKey(known.name()) != null) // not deleted since
                            .ifPresent(known -> byDigest.putIfAbsent(known.digest(), known));
                }
                next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
                if (next == null || next.isEmpty()) {
                    caughtUp = true;
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warnf("cannot list the ImageAnalysis objects (%s); trying again", e.getMessage());
                next = null; // a continue token may have expired: start over
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    public synchronized void stop() {
        if (informer != null) {
            informer.stop();
            informer = null;
        }
        caughtUp = false;
        byDigest.clear();
    }

    public boolean isSynced() {
        SharedIndexInformer<?> current = informer;
        return current != null && current.hasSynced() && caughtUp;
    }

    /** What is known of the analysis of the platform image {@code digest}; empty when there is none. */
    public Optional<KnownAnalysis> byDigest(String digest) {
        return digest == null ? Optional.empty() : Optional.ofNullable(byDigest.get(digest));
    }

    /** Every analysis known. */
    public Collection<KnownAnalysis> all() {
        return List.copyOf(byDigest.values());
    }

    /**
     * Runs {@code listener} when an analysis becomes Complete or Failed (a result that changes what the audit and
     * reports say about the images of that digest).
     */
    public void onSettled(Consumer<KnownAnalysis> listener) {
        settledListeners.add(listener);
    }

    private void update(GenericKubernetesResource raw) {
        read(raw).ifPresent(this::accept);
    }

    private Optional<ImageAnalysis> read(GenericKubernetesResource raw) {
        try {
            return Optional.of(client.getKubernetesSerialization().convertValue(raw, ImageAnalysis.class));
        } catch (RuntimeException e) {
            LOG.warnf(
                    "ImageAnalysis %s cannot be read (%s); it is ignored until it changes",
                    raw.getMetadata().getName(), e.getMessage());
            return Optional.empty();
        }
    }

    /** Projects {@code analysis} into the index and tells the listeners when it settled. */
    void accept(ImageAnalysis analysis) {
        KnownAnalysis known = KnownAnalysis.of(analysis);
        if (known.digest() == null) {
            return;
        }
        KnownAnalysis before = byDigest.put(known.digest(), known);
        boolean settled = known.phase() == AnalysisPhase.COMPLETE || known.phase() == AnalysisPhase.FAILED;
        if (settled && (before == null || before.phase() != known.phase() || changedResult(before, known))) {
            settledListeners.forEach(listener -> listener.accept(known));
        }
    }

    private static boolean changedResult(KnownAnalysis before, KnownAnalysis after) {
        return !Objects.equals(before.uncompressedBytes(), after.uncompressedBytes())
                || !Objects.equals(before.hints(), after.hints())
                || !Objects.equals(before.message(), after.message());
    }

    private static GenericKubernetesResource nameOnly(GenericKubernetesResource object) {
        GenericKubernetesResource slim = new GenericKubernetesResource();
        slim.setApiVersion(object.getApiVersion());
        slim.setKind(object.getKind());
        ObjectMeta meta = new ObjectMeta();
        meta.setName(object.getMetadata().getName());
        meta.setResourceVersion(object.getMetadata().getResourceVersion());
        meta.setUid(object.getMetadata().getUid());
        slim.setMetadata(meta);
        return slim;
    }
}
