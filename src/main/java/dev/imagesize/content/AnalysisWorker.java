package dev.imagesize.content;

import dev.imagesize.Deadline;
import dev.imagesize.analysis.BlobSource;
import dev.imagesize.analysis.ImageAnalysis;
import dev.imagesize.analysis.ImageAnalyzer;
import dev.imagesize.analysis.LayerProblem;
import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import dev.imagesize.assessment.CredentialSource;
import dev.imagesize.assessment.Credentials;
import dev.imagesize.image.ImageRef;
import dev.imagesize.operator.LeaderTask;
import dev.imagesize.policy.Messages;
import dev.imagesize.registry.RegistryCredential;
import dev.imagesize.workload.Workload;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The leader's image analysis: takes the ImageAnalysis objects that wait (Pending, left Analyzing by a former leader,
 * or Failed and due again), admission misses first, analyses at most {@code concurrency} images at once with the
 * pooled registry transport at audit priority (admission lookups never wait behind it), and writes each result into
 * the object's status. The objects are the durable queue: a new leader picks up where the last one stopped.
 */
public final class AnalysisWorker implements LeaderTask {
    private static final Logger LOG = Logger.getLogger(AnalysisWorker.class);
    private static final long SCAN_MILLIS = 500;
    private static final java.time.Duration UNWRITABLE_PAUSE = java.time.Duration.ofSeconds(30);

    private final AnalysisIndex index;
    private final AnalysisObjects objects;
    private final ImageAnalyzer analyzer;
    private final CredentialSource credentials;
    private final AnalysisSettings settings;
    private final String analyzerName;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Digests whose status could not be written, and until when they are left alone (no tight retry loop). */
    private final java.util.Map<String, Instant> unwritable = new ConcurrentHashMap<>();

    private volatile boolean running;
    private ScheduledExecutorService scanner;
    private ExecutorService workers;

    public AnalysisWorker(
            AnalysisIndex index,
            AnalysisObjects objects,
            ImageAnalyzer analyzer,
            CredentialSource credentials,
            AnalysisSettings settings,
            String analyzerName,
            Clock clock,
            MeterRegistry meters) {
        this.index = index;
        this.objects = objects;
        this.analyzer = analyzer;
        this.credentials = credentials;
        this.settings = settings;
        this.analyzerName = analyzerName;
        this.clock = clock;
        this.meters = meters;
        io.micrometer.core.instrument.Gauge.builder("imagesize.analysis.in.flight", inFlight, Set::size)
                .description("Images being analysed on this replica (only the leader analyses)")
                .register(meters);
    }

    @Override
    public synchronized void startLeading() {
        if (running) {
            return;
        }
        running = true;
        AtomicInteger number = new AtomicInteger();
        workers = Executors.newFixedThreadPool(settings.concurrency(), task -> {
            Thread thread = new Thread(task, "image-analysis-" + number.incrementAndGet());
            thread.setDaemon(true);
            thread.setPriority(Thread.MIN_PRIORITY);
            return thread;
        });
        scanner = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "image-analysis-queue");
            thread.setDaemon(true);
            return thread;
        });
        scanner.scheduleWithFixedDelay(this::scan, 0, SCAN_MILLIS, TimeUnit.MILLISECONDS);
        LOG.infof("analysing images, %d at once", settings.concurrency());
    }

    @Override
    public synchronized void stopLeading() {
        if (!running) {
            return;
        }
        running = false;
        scanner.shutdownNow();
        workers.shutdownNow();
        try {
            scanner.awaitTermination(10, TimeUnit.SECONDS);
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inFlight.clear();
        unwritable.clear();
    }

    /** Starts the analyses that wait, while there is a free worker: admission misses first, then the oldest tried. */
    private void scan() {
        if (!running || !index.isSynced()) {
            return;
        }
        try {
            int free = settings.concurrency() - inFlight.size();
            if (free <= 0) {
                return;
            }
            Instant now = clock.instant();
            unwritable.values().removeIf(until -> !until.isAfter(now));
            List<KnownAnalysis> due = index.all().stream()
                    .filter(known -> !inFlight.contains(known.digest())
                            && !unwritable.containsKey(known.digest())
                            && isDue(known, now))
                    .sorted(Comparator.comparing((KnownAnalysis k) -> k.requestedBy() != AnalysisRequester.ADMISSION)
                            .thenComparingInt(KnownAnalysis::attempts))
                    .limit(free)
                    .toList();
            for (KnownAnalysis known : due) {
                inFlight.add(known.digest());
                workers.execute(() -> {
                    try {
                        analyse(known);
                    } catch (RuntimeException e) {
                        unwritable.put(known.digest(), clock.instant().plus(UNWRITABLE_PAUSE));
                        LOG.warnf(
                                "analysis of %s could not be recorded: %s; trying again in %s",
                                known.name(), e.toString(), UNWRITABLE_PAUSE);
                    } finally {
                        inFlight.remove(known.digest());
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.errorf("analysis queue scan failed: %s", e.toString());
        }
    }

    /** Whether an analysis waits for this leader. */
    boolean isDue(KnownAnalysis known, Instant now) {
        return switch (known.phase()) {
            case PENDING, ANALYZING, DEFERRED -> known.attempts() < settings.maxAttempts();
            case FAILED ->
                known.nextAttemptAt() != null
                        && !known.nextAttemptAt().isAfter(now)
                        && known.attempts() < settings.maxAttempts();
            case COMPLETE -> false;
        };
    }

    private void analyse(KnownAnalysis known) {
        int attempts = known.attempts() + 1;
        if (!objects.writeStatus(
                known.name(),
                ImageAnalysisState.waiting(AnalysisPhase.ANALYZING, null, attempts, null, analyzerName))) {
            return; // deleted meanwhile
        }
        Timer.Sample sample = Timer.start(meters);
        ImageAnalysisState state;
        String outcome;
        try {
            ImageAnalysis result = analyseFromSources(known);
            outcome = result.complete() ? "complete" : "failed";
            state = ImageAnalysisState.of(
                    result.status(),
                    result.complete() ? null : "a layer could not be analysed (see conditions)",
                    attempts,
                    null,
                    clock.instant().toString(),
                    analyzerName);
        } catch (LayerProblem problem) {
            outcome = "failed";
            boolean again = problem.retryable() && attempts < settings.maxAttempts();
            state = ImageAnalysisState.waiting(
                    AnalysisPhase.FAILED,
                    Messages.bounded(problem.getMessage(), 1000),
                    attempts,
                    again ? clock.instant().plus(settings.retryAfter()).toString() : null,
                    analyzerName);
        }
        sample.stop(Timer.builder("imagesize.analysis.images")
                .description("Images analysed by the leader, by outcome (complete or failed)")
                .tag("outcome", outcome)
                .register(meters));
        objects.writeStatus(known.name(), state);
        LOG.infof("analysed %s: %s", known.name(), state.phase().apiName());
    }

    /** The analysis from the first source that can be read; the last source's problem when none can. */
    private ImageAnalysis analyseFromSources(KnownAnalysis known) throws LayerProblem {
        if (known.sources().isEmpty()) {
            throw new LayerProblem(LayerProblem.Kind.FETCH_FAILED, "no source to read the image from in its spec");
        }
        Deadline deadline = Deadline.in(settings.timeout());
        LayerProblem last = null;
        for (AnalysisSource source : known.sources()) {
            try {
                BlobSource.Location location =
                        new BlobSource.Location(source.registry(), source.repository(), credential(source, deadline));
                return analyzer.analyze(
                        new ImageAnalyzer.Target(location, known.digest(), known.platform()),
                        deadline,
                        ImageAnalyzer.Listener.NONE);
            } catch (LayerProblem problem) {
                last = problem;
                if (problem.kind() != LayerProblem.Kind.FETCH_FAILED || deadline.isExpired()) {
                    throw problem; // the image itself is the problem: another source serves the same bytes
                }
            }
        }
        throw last;
    }

    /** The credential the source's namespace has for its registry (its workload's pull secrets), or none. */
    private RegistryCredential credential(AnalysisSource source, Deadline deadline) {
        if (source.namespace() == null) {
            return null;
        }
        Workload reader = new Workload(
                "ImageAnalysis",
                source.namespace(),
                "image-analysis",
                null,
                List.of(),
                source.imagePullSecrets(),
                source.serviceAccountName() == null ? "default" : source.serviceAccountName());
        Credentials found = credentials.forWorkloads(List.of(reader), deadline).get(0);
        ImageRef image = new ImageRef(source.registry(), source.repository(), null, null);
        return found.config().credentialFor(image).orElse(null);
    }

    /** Analyses run at once on this replica. */
    public int inFlight() {
        return inFlight.size();
    }
}
