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
import dev.imagesize.policy.Messages;
import dev.imagesize.registry.RegistryCredential;
import dev.imagesize.workload.Workload;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The analysis of images on one analyzer replica; every replica of the analyzer runs one at once, without a leader.
 * Every 500 ms it takes the ImageAnalysis objects that wait (Pending, Deferred, Analyzing under an expired claim, or
 * Failed and due again), admission misses first, claims them ({@link AnalysisClaims}: a conflict means another
 * replica has it, and the next one is tried), analyses at most {@code concurrency} images at once with the pooled
 * registry transport at audit priority, renews each claim while it works, and writes each result into the object's
 * status while the claim is still its own. The objects are the durable queue: a replica that stops leaves claims that
 * expire, and the others take them over.
 */
public final class AnalysisWorker {
    private static final Logger LOG = Logger.getLogger(AnalysisWorker.class);
    private static final long SCAN_MILLIS = 500;
    private static final java.time.Duration UNWRITABLE_PAUSE = java.time.Duration.ofSeconds(30);
    private static final int RECENT_REPOSITORIES = 256;

    private final AnalysisIndex index;
    private final AnalysisClaims claims;
    private final ImageAnalyzer analyzer;
    private final CredentialSource credentials;
    private final AnalysisSettings settings;
    private final String analyzerName;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /**
     * Repositories this replica analysed an image of lately (at most {@link #RECENT_REPOSITORIES}): their other images
     * likely share its cached base layers, so it prefers them.
     */
    private final Set<String> recentRepositories = java.util.Collections.newSetFromMap(
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
                    return size() > RECENT_REPOSITORIES;
                }
            }));

    /** The claims this replica works on, by digest. */
    private final java.util.Map<String, HeldClaim> held = new ConcurrentHashMap<>();
    /** Digests whose status could not be written, and until when they are left alone (no tight retry loop). */
    private final java.util.Map<String, Instant> unwritable = new ConcurrentHashMap<>();

    private volatile boolean running;
    private ScheduledExecutorService scanner;
    private ExecutorService workers;

    public AnalysisWorker(
            AnalysisIndex index,
            AnalysisClaims claims,
            ImageAnalyzer analyzer,
            CredentialSource credentials,
            AnalysisSettings settings,
            String analyzerName,
            Clock clock,
            MeterRegistry meters) {
        this.index = index;
        this.claims = claims;
        this.analyzer = analyzer;
        this.credentials = credentials;
        this.settings = settings;
        this.analyzerName = analyzerName;
        this.clock = clock;
        this.meters = meters;
        io.micrometer.core.instrument.Gauge.builder("imagesize.analysis.in.flight", inFlight, Set::size)
                .description("Images being analysed on this analyzer replica")
                .register(meters);
    }

    public synchronized void start() {
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
        LOG.infof(
                "analyzer %s: analysing images, %d at once, claims renewed every %s",
                analyzerName, settings.concurrency(), claims.renewInterval());
    }

    /**
     * Stops analysing and gives back the claims it holds, so other replicas take those images at once (a claim that
     * cannot be given back expires, and they take it then).
     */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        scanner.shutdownNow();
        held.values().forEach(HeldClaim::release);
        workers.shutdownNow();
        try {
            scanner.awaitTermination(10, TimeUnit.SECONDS);
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inFlight.clear();
        held.clear();
        unwritable.clear();
    }

    /** Claims and starts the analyses that wait, while there is a free worker: admission misses first. */
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
                            && claims.isDue(known, now))
                    .sorted(order(recentRepositories::contains))
                    .toList();
            for (KnownAnalysis known : due) {
                if (free <= 0 || !running) {
                    return;
                }
                Optional<AnalysisClaims.Claim> claim = claimOrPause(known);
                if (claim.isPresent()) {
                    free--;
                    start(known, claim.get());
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf("analysis queue scan failed: %s", e.toString());
        }
    }

    /**
     * The order in which due analyses are claimed: admission misses first, then the fewest tries, then images of a
     * repository this replica analysed lately ({@code recent}; their base layers are likely in its layer cache, so
     * with several replicas each tends to keep to the repositories it knows). Only an order: any image may be claimed.
     */
    static Comparator<KnownAnalysis> order(java.util.function.Predicate<String> recent) {
        return Comparator.comparing((KnownAnalysis k) -> k.requestedBy() != AnalysisRequester.ADMISSION)
                .thenComparingInt(KnownAnalysis::attempts)
                .thenComparing(k -> !recent.test(repository(k)));
    }

    /** {@code registry/repository} of the first place the image is read from, or "" when it names none. */
    static String repository(KnownAnalysis known) {
        return known.sources().isEmpty()
                ? ""
                : known.sources().get(0).registry() + "/"
                        + known.sources().get(0).repository();
    }

    private Optional<AnalysisClaims.Claim> claimOrPause(KnownAnalysis known) {
        try {
            return claims.claim(known);
        } catch (RuntimeException e) {
            unwritable.put(known.digest(), clock.instant().plus(UNWRITABLE_PAUSE));
            LOG.warnf("cannot claim %s: %s; trying again in %s", known.name(), e.toString(), UNWRITABLE_PAUSE);
            return Optional.empty();
        }
    }

    private void start(KnownAnalysis known, AnalysisClaims.Claim claim) {
        inFlight.add(known.digest());
        HeldClaim claimed = new HeldClaim(claim);
        held.put(known.digest(), claimed);
        long renewMillis = Math.max(1, claims.renewInterval().toMillis());
        ScheduledFuture<?> heartbeat =
                scanner.scheduleWithFixedDelay(claimed::renew, renewMillis, renewMillis, TimeUnit.MILLISECONDS);
        workers.execute(() -> {
            try {
                analyse(known, claimed);
            } catch (RuntimeException e) {
                unwritable.put(known.digest(), clock.instant().plus(UNWRITABLE_PAUSE));
                LOG.warnf(
                        "analysis of %s could not be recorded: %s; trying again in %s",
                        known.name(), e.toString(), UNWRITABLE_PAUSE);
            } finally {
                heartbeat.cancel(false);
                held.remove(known.digest());
                inFlight.remove(known.digest());
            }
        });
    }

    /** A claim being worked on: renewed by the heartbeat, finished by the worker, never both at once. */
    private final class HeldClaim {
        private AnalysisClaims.Claim claim;
        private boolean lost;

        HeldClaim(AnalysisClaims.Claim claim) {
            this.claim = claim;
        }

        synchronized void renew() {
            if (lost) {
                return;
            }
            try {
                Optional<AnalysisClaims.Claim> renewed = claims.renew(claim);
                if (renewed.isPresent()) {
                    claim = renewed.get();
                } else {
                    lost = true;
                    LOG.warnf(
                            "the claim on %s is no longer %s's: another analyzer took it over",
                            claim.name(), analyzerName);
                }
            } catch (RuntimeException e) {
                LOG.warnf("cannot renew the claim on %s: %s; trying again", claim.name(), e.toString());
            }
        }

        synchronized boolean finish(ImageAnalysisState state) {
            return !lost && claims.finish(claim, state);
        }

        /** Gives the claim back; the analysis still running then writes nothing. */
        synchronized void release() {
            if (lost) {
                return;
            }
            lost = true;
            try {
                if (claims.release(claim)) {
                    LOG.infof("gave back the claim on %s", claim.name());
                }
            } catch (RuntimeException e) {
                LOG.warnf("cannot give back the claim on %s (%s); it expires", claim.name(), e.toString());
            }
        }

        synchronized int attempts() {
            return claim.attempts();
        }
    }

    private void analyse(KnownAnalysis known, HeldClaim claim) {
        int attempts = claim.attempts();
        Timer.Sample sample = Timer.start(meters);
        ImageAnalysisState state;
        String outcome;
        try {
            ImageAnalysis result = analyseFromSources(known);
            outcome = result.complete() ? "complete" : "failed";
            recentRepositories.add(repository(known));
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
                .description("Images analysed by this analyzer replica, by outcome (complete or failed)")
                .tag("outcome", outcome)
                .register(meters));
        if (claim.finish(state)) {
            LOG.infof("analysed %s: %s", known.name(), state.phase().apiName());
        } else {
            LOG.infof("analysed %s, but the claim is no longer this analyzer's: the result is dropped", known.name());
        }
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
