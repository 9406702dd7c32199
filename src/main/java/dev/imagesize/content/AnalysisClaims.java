package dev.imagesize.content;

import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One analyzer replica's claims on ImageAnalysis objects, so that any number of replicas work at once without a
 * leader: a claim is a status write (Analyzing, this analyzer, {@code claimedUntil}) guarded by the resourceVersion
 * the replica read; when another replica wrote first the API server answers 409 and this replica skips the image. The
 * holder renews its claim while it works and writes the result only while the claim is still its own; a claim whose
 * holder stopped renewing expires and another replica takes the image over.
 */
public final class AnalysisClaims {
    private static final Logger LOG = Logger.getLogger(AnalysisClaims.class);
    /** Writes that meet a newer object than expected are tried again at most this often, re-reading it each time. */
    private static final int MAX_REREADS = 3;

    /** Where claims are written: resourceVersion-guarded status replaces of ImageAnalysis objects. */
    interface StatusStore {
        /**
         * Replaces the status of {@code name} only while the object is at {@code resourceVersion}.
         *
         * @return the object's new resourceVersion, or empty when it is gone
         * @throws StaleVersion when the object changed since that version
         */
        Optional<String> replaceStatus(String name, String resourceVersion, ImageAnalysisState state)
                throws StaleVersion;

        /** The object's resourceVersion and status now, or empty when it is gone. */
        Optional<Versioned> read(String name);
    }

    /** An object's status at one resourceVersion. */
    record Versioned(String resourceVersion, ImageAnalysisState status) {}

    /** The object changed since the version a write was based on (HTTP 409). */
    static final class StaleVersion extends Exception {
        StaleVersion() {
            super("the object changed since it was read", null, false, false);
        }
    }

    /**
     * A claim this replica won.
     *
     * @param resourceVersion the object's version after this replica's last write
     * @param attempts the try this claim is
     * @param until when it expires unless renewed
     */
    public record Claim(String name, String resourceVersion, int attempts, Instant until) {}

    private final StatusStore store;
    private final String analyzer;
    private final Duration duration;
    private final int maxAttempts;
    private final Clock clock;
    private final Counter won;
    private final Counter lost;
    private final Counter takenOver;

    AnalysisClaims(
            StatusStore store, String analyzer, Duration duration, int maxAttempts, Clock clock, MeterRegistry meters) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("imagesize.analysis.claim-duration must be positive");
        }
        this.store = store;
        this.analyzer = analyzer;
        this.duration = duration;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
        this.won = claims(meters, "won");
        this.lost = claims(meters, "lost");
        this.takenOver = claims(meters, "taken-over");
    }

    /** How often a holder renews its claim: a third of its duration, so two renewals may fail before it expires. */
    public Duration renewInterval() {
        return duration.dividedBy(3);
    }

    /**
     * Whether {@code known} waits for an analyzer: Pending or Deferred, Analyzing under a claim that expired (or that
     * a former version recorded without expiry), or Failed and due again; fewer than {@code maxAttempts} tries so far
     * (an expired claim out of tries is claimable too: {@link #claim} records it as Failed).
     */
    public boolean isDue(KnownAnalysis known, Instant now) {
        return switch (known.phase()) {
            case PENDING, DEFERRED -> known.attempts() < maxAttempts;
            case ANALYZING ->
                known.claimedUntil() == null || !known.claimedUntil().isAfter(now);
            case FAILED ->
                known.nextAttemptAt() != null && !known.nextAttemptAt().isAfter(now) && known.attempts() < maxAttempts;
            case COMPLETE -> false;
        };
    }

    /**
     * Claims {@code known} at the version this replica read it: empty when another replica wrote first (a conflict),
     * when the object is gone, or when its holder stopped after the last try (then it is recorded as Failed).
     */
    public Optional<Claim> claim(KnownAnalysis known) {
        Instant now = clock.instant();
        if (known.phase() == AnalysisPhase.ANALYZING && known.attempts() >= maxAttempts) {
            ImageAnalysisState failed = ImageAnalysisState.waiting(
                    AnalysisPhase.FAILED,
                    "the analyzer " + known.analyzer() + " stopped during the last of " + known.attempts() + " tries",
                    known.attempts(),
                    null,
                    known.analyzer());
            try {
                store.replaceStatus(known.name(), known.resourceVersion(), failed);
            } catch (StaleVersion e) {
                lost.increment();
            }
            return Optional.empty();
        }
        int attempts = known.attempts() + 1;
        Instant until = now.plus(duration);
        try {
            Optional<String> version = store.replaceStatus(
                    known.name(),
                    known.resourceVersion(),
                    ImageAnalysisState.claimed(attempts, analyzer, until.toString()));
            if (version.isEmpty()) {
                LOG.debugf("%s is gone: not claimed", known.name());
                return Optional.empty();
            }
            won.increment();
            LOG.debugf("claimed %s (try %d) until %s", known.name(), attempts, until);
            return Optional.of(new Claim(known.name(), version.get(), attempts, until));
        } catch (StaleVersion e) {
            lost.increment();
            LOG.debugf(
                    "%s changed since version %s: another analyzer claimed it", known.name(), known.resourceVersion());
            return Optional.empty();
        }
    }

    /** Extends {@code claim} by its duration from now: the renewed claim, or empty when it is no longer this replica's. */
    public Optional<Claim> renew(Claim claim) {
        Instant until = clock.instant().plus(duration);
        return write(claim, ImageAnalysisState.claimed(claim.attempts(), analyzer, until.toString()))
                .map(version -> new Claim(claim.name(), version, claim.attempts(), until));
    }

    /**
     * Writes the result of {@code claim} while the claim is still this replica's.
     *
     * @return false when another replica took the image over (the result is dropped: that replica writes its own) or
     *     the object is gone
     */
    public boolean finish(Claim claim, ImageAnalysisState result) {
        return write(claim, result).isPresent();
    }

    /**
     * Gives {@code claim} back (this replica stops): the image is Pending again, this try not counted, and another
     * replica takes it at once instead of after the claim expires.
     *
     * @return false when the claim was no longer this replica's or the object is gone
     */
    public boolean release(Claim claim) {
        return write(
                        claim,
                        ImageAnalysisState.waiting(
                                AnalysisPhase.PENDING,
                                "given back by the analyzer " + analyzer + " when it stopped",
                                claim.attempts() - 1,
                                null,
                                null))
                .isPresent();
    }

    /**
     * Writes {@code state} over the claim: at the claim's version, else (the object changed, e.g. an annotation was
     * added) at the version read now as long as the status still shows this very claim.
     */
    private Optional<String> write(Claim claim, ImageAnalysisState state) {
        String version = claim.resourceVersion();
        for (int reread = 0; reread <= MAX_REREADS; reread++) {
            try {
                return store.replaceStatus(claim.name(), version, state);
            } catch (StaleVersion e) {
                Optional<Versioned> now = store.read(claim.name());
                if (now.isEmpty()) {
                    return Optional.empty();
                }
                if (!holds(claim, now.get().status())) {
                    takenOver.increment();
                    return Optional.empty();
                }
                version = now.get().resourceVersion();
            }
        }
        return Optional.empty();
    }

    /** Whether {@code status} still shows {@code claim}. */
    private boolean holds(Claim claim, ImageAnalysisState status) {
        return status != null
                && status.phase() == AnalysisPhase.ANALYZING
                && analyzer.equals(status.analyzer())
                && claim.until().toString().equals(status.claimedUntil())
                && status.attempts() != null
                && status.attempts() == claim.attempts();
    }

    private static Counter claims(MeterRegistry meters, String outcome) {
        return Counter.builder("imagesize.analysis.claims")
                .description("Claims on images by this analyzer replica: won, lost to another replica (409), or taken"
                        + " over by another replica after this one's claim expired")
                .tag("outcome", outcome)
                .register(meters);
    }
}
