package dev.imagesize.content;

import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.operator.LeaderTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The leader's garbage collection of ImageAnalysis objects (cluster-scoped objects cannot be owned by namespaced
 * workloads): every sweep interval it records on each analysis a governed workload runs when it was last referenced
 * (an annotation, written again once a quarter of the TTL has passed), and deletes an analysis nothing referenced for
 * its TTL (since its last reference, or its creation).
 */
public final class AnalysisSweeper implements LeaderTask {
    private static final Logger LOG = Logger.getLogger(AnalysisSweeper.class);

    /** What a sweep does to one analysis. */
    enum Action {
        KEEP,
        MARK_REFERENCED,
        DELETE
    }

    private final AnalysisIndex index;
    private final AnalysisObjects objects;
    private final Supplier<Set<String>> referenced;
    private final AnalysisSettings settings;
    private final Clock clock;
    private ScheduledExecutorService thread;

    /**
     * @param referenced the digests governed workloads run now
     */
    public AnalysisSweeper(
            AnalysisIndex index,
            AnalysisObjects objects,
            Supplier<Set<String>> referenced,
            AnalysisSettings settings,
            Clock clock) {
        this.index = index;
        this.objects = objects;
        this.referenced = referenced;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public synchronized void startLeading() {
        if (thread != null) {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread named = new Thread(task, "image-analysis-sweeper");
            named.setDaemon(true);
            return named;
        });
        long every = settings.sweepInterval().toMillis();
        // the first sweep waits one interval: the audit's first pass tells which analyses are referenced
        thread.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stopLeading() {
        if (thread != null) {
            thread.shutdownNow();
            thread = null;
        }
    }

    void sweep() {
        if (!index.isSynced()) {
            return;
        }
        Set<String> inUse = referenced.get();
        Instant now = clock.instant();
        int marked = 0;
        int deleted = 0;
        for (KnownAnalysis known : index.all()) {
            try {
                switch (action(known, inUse.contains(known.digest()), now, settings.ttl())) {
                    case MARK_REFERENCED -> {
                        objects.markReferenced(known.name(), now);
                        marked++;
                    }
                    case DELETE -> {
                        objects.delete(known.name());
                        deleted++;
                    }
                    case KEEP -> {}
                }
            } catch (RuntimeException e) {
                LOG.warnf("sweeping ImageAnalysis %s failed: %s; next sweep tries again", known.name(), e.toString());
            }
        }
        if (marked + deleted > 0) {
            LOG.infof(
                    "analysis sweep: %d marked referenced, %d deleted (unreferenced past their TTL)", marked, deleted);
        }
    }

    /** What to do with {@code known}: pure, for tests. */
    static Action action(KnownAnalysis known, boolean referenced, Instant now, Duration defaultTtl) {
        Duration ttl = known.ttl() != null ? known.ttl() : defaultTtl;
        if (referenced) {
            boolean fresh = known.referencedAt() != null
                    && known.referencedAt().plus(ttl.dividedBy(4)).isAfter(now);
            return fresh ? Action.KEEP : Action.MARK_REFERENCED;
        }
        if (known.phase() == AnalysisPhase.ANALYZING) {
            return Action.KEEP;
        }
        Instant last = latest(known.referencedAt(), known.createdAt());
        return last != null && last.plus(ttl).isBefore(now) ? Action.DELETE : Action.KEEP;
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
