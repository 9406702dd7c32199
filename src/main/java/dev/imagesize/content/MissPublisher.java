package dev.imagesize.content;

import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Turns this replica's admission misses into Pending ImageAnalysis objects (requested by Admission, so they are
 * analysed first), on a thread of its own after the reviews were answered. Runs on every replica: any replica may
 * answer the review that misses.
 */
public final class MissPublisher {
    private static final Logger LOG = Logger.getLogger(MissPublisher.class);
    private static final long INTERVAL_MILLIS = 250;
    private static final int BATCH = 50;

    private final AdmissionMisses misses;
    private final AnalysisIndex index;
    private final AnalysisObjects objects;
    private ScheduledExecutorService thread;

    public MissPublisher(AdmissionMisses misses, AnalysisIndex index, AnalysisObjects objects) {
        this.misses = misses;
        this.index = index;
        this.objects = objects;
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread named = new Thread(task, "admission-misses");
            named.setDaemon(true);
            return named;
        });
        thread.scheduleWithFixedDelay(this::publish, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    public synchronized void stop() {
        if (thread != null) {
            thread.shutdownNow();
            thread = null;
        }
    }

    /** Creates the objects of the misses remembered so far; one that cannot be created is remembered again. */
    void publish() {
        if (!index.isSynced()) {
            return;
        }
        List<AdmissionMisses.Miss> taken = misses.drain(BATCH);
        for (int i = 0; i < taken.size(); i++) {
            AdmissionMisses.Miss miss = taken.get(i);
            if (index.byDigest(miss.digest()).isPresent()) {
                continue;
            }
            try {
                objects.createPending(
                        miss.digest(),
                        miss.platform(),
                        miss.registry() + "/" + miss.repository(),
                        AnalysisRequester.ADMISSION,
                        new AnalysisSource(
                                miss.registry(),
                                miss.repository(),
                                miss.namespace(),
                                miss.serviceAccountName(),
                                miss.imagePullSecrets().stream().limit(16).toList()));
            } catch (RuntimeException e) {
                LOG.warnf("cannot queue the analysis of %s: %s; trying again", miss.digest(), e.getMessage());
                taken.subList(i, taken.size()).forEach(misses::record);
                return;
            }
        }
    }
}
