package dev.imagesize.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import dev.imagesize.testing.AnalysisResults;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnalysisClaimsTest {
    private static final Duration CLAIM = Duration.ofSeconds(30);
    private static final String NAME = ImageAnalysis.nameFor(ContentNotesTest.DIGEST);

    /** The API server's view of the objects: a status per name and a resourceVersion that every write increments. */
    static final class FakeStore implements AnalysisClaims.StatusStore {
        final Map<String, AnalysisClaims.Versioned> objects = new HashMap<>();
        int writes;

        void put(String name, ImageAnalysisState status) {
            AnalysisClaims.Versioned old = objects.get(name);
            long version = old == null ? 1 : Long.parseLong(old.resourceVersion()) + 1;
            objects.put(name, new AnalysisClaims.Versioned(Long.toString(version), status));
        }

        /** Another writer changes the object (e.g. the sweeper's annotation): a new version, the same status. */
        void touch(String name) {
            put(name, objects.get(name).status());
        }

        @Override
        public synchronized Optional<String> replaceStatus(
                String name, String resourceVersion, ImageAnalysisState state) throws AnalysisClaims.StaleVersion {
            AnalysisClaims.Versioned now = objects.get(name);
            if (now == null) {
                return Optional.empty();
            }
            if (!now.resourceVersion().equals(resourceVersion)) {
                throw new AnalysisClaims.StaleVersion();
            }
            writes++;
            put(name, state);
            return Optional.of(objects.get(name).resourceVersion());
        }

        @Override
        public Optional<AnalysisClaims.Versioned> read(String name) {
            return Optional.ofNullable(objects.get(name));
        }

        /** What an analyzer's watch shows of the object now. */
        KnownAnalysis known(String name) {
            ImageAnalysis analysis = ContentNotesTest.analysis(
                    ContentNotesTest.DIGEST, objects.get(name).status());
            analysis.getMetadata().setResourceVersion(objects.get(name).resourceVersion());
            return KnownAnalysis.of(analysis);
        }
    }

    /** A clock the test moves. */
    static final class FakeClock extends Clock {
        Instant now = Instant.parse("2026-12-01T12:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private final FakeStore store = new FakeStore();
    private final FakeClock clock = new FakeClock();
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final AnalysisClaims a = new AnalysisClaims(store, "analyzer-a", CLAIM, 3, clock, meters);
    private final AnalysisClaims b = new AnalysisClaims(store, "analyzer-b", CLAIM, 3, clock, meters);

    private static ImageAnalysisState pending() {
        return ImageAnalysisState.waiting(AnalysisPhase.PENDING, null, null, null, null);
    }

    private double claims(String outcome) {
        return meters.get("imagesize.analysis.claims")
                .tag("outcome", outcome)
                .counter()
                .count();
    }

    @Test
    void ofTwoReplicasThatReadTheSameVersionOnlyTheFirstWinsTheOtherSkips() {
        store.put(NAME, pending());
        KnownAnalysis seenByBoth = store.known(NAME);

        Optional<AnalysisClaims.Claim> first = a.claim(seenByBoth);
        Optional<AnalysisClaims.Claim> second = b.claim(seenByBoth);

        assertThat(first).isPresent();
        assertThat(first.get().attempts()).isEqualTo(1);
        assertThat(first.get().until()).isEqualTo(clock.now.plus(CLAIM));
        assertThat(second).as("409: another replica won").isEmpty();
        ImageAnalysisState status = store.objects.get(NAME).status();
        assertThat(status.phase()).isEqualTo(AnalysisPhase.ANALYZING);
        assertThat(status.analyzer()).isEqualTo("analyzer-a");
        assertThat(status.claimedUntil()).isEqualTo(clock.now.plus(CLAIM).toString());
        assertThat(status.attempts()).isEqualTo(1);
        assertThat(claims("won")).isEqualTo(1);
        assertThat(claims("lost")).isEqualTo(1);
    }

    @Test
    void aLiveClaimIsNotDueAnExpiredOneIsTakenOverAndItsFormerHolderCannotWriteItsResult() {
        store.put(NAME, pending());
        AnalysisClaims.Claim held = a.claim(store.known(NAME)).orElseThrow();

        clock.now = clock.now.plus(CLAIM).minusSeconds(1);
        assertThat(b.isDue(store.known(NAME), clock.now))
                .as("claimed, not expired")
                .isFalse();

        clock.now = clock.now.plusSeconds(1);
        assertThat(b.isDue(store.known(NAME), clock.now))
                .as("expired: its holder stopped renewing")
                .isTrue();
        AnalysisClaims.Claim takenOver = b.claim(store.known(NAME)).orElseThrow();
        assertThat(takenOver.attempts()).isEqualTo(2);
        assertThat(store.objects.get(NAME).status().analyzer()).isEqualTo("analyzer-b");

        ImageAnalysisState late = ImageAnalysisState.of(AnalysisResults.complete(), null, 1, null, "x", "analyzer-a");
        assertThat(a.renew(held))
                .as("the former holder learns it lost the claim")
                .isEmpty();
        assertThat(a.finish(held, late)).isFalse();
        assertThat(store.objects.get(NAME).status().analyzer()).isEqualTo("analyzer-b");
        assertThat(claims("taken-over")).isEqualTo(2);

        ImageAnalysisState result = ImageAnalysisState.of(AnalysisResults.complete(), null, 2, null, "x", "analyzer-b");
        assertThat(b.finish(takenOver, result)).isTrue();
        assertThat(store.objects.get(NAME).status().phase()).isEqualTo(AnalysisPhase.COMPLETE);
        assertThat(store.objects.get(NAME).status().analyzer()).isEqualTo("analyzer-b");
    }

    @Test
    void aRenewedClaimStaysItsHoldersPastTheFirstExpiry() {
        store.put(NAME, pending());
        AnalysisClaims.Claim held = a.claim(store.known(NAME)).orElseThrow();

        clock.now = clock.now.plus(a.renewInterval());
        AnalysisClaims.Claim renewed = a.renew(held).orElseThrow();
        clock.now = held.until().plusSeconds(1);

        assertThat(renewed.until()).isEqualTo(held.until().plus(a.renewInterval()));
        assertThat(b.isDue(store.known(NAME), clock.now)).isFalse();
        assertThat(store.objects.get(NAME).status().claimedUntil())
                .isEqualTo(renewed.until().toString());
        clock.now = renewed.until();
        assertThat(b.isDue(store.known(NAME), clock.now))
                .as("not renewed again: expired")
                .isTrue();
    }

    @Test
    void anotherWritersChangeDoesNotCostTheHolderItsClaim() {
        store.put(NAME, pending());
        AnalysisClaims.Claim held = a.claim(store.known(NAME)).orElseThrow();
        store.touch(NAME); // e.g. the sweeper annotates the object: a new resourceVersion

        ImageAnalysisState result = ImageAnalysisState.of(AnalysisResults.complete(), null, 1, null, "x", "analyzer-a");
        assertThat(a.finish(held, result)).isTrue();
        assertThat(store.objects.get(NAME).status().phase()).isEqualTo(AnalysisPhase.COMPLETE);
        assertThat(claims("taken-over")).isZero();
    }

    @Test
    void waitingAnalysesAreDueFailedOnesWhenTheirTimeComesCompleteOnesNever() {
        Instant now = clock.now;
        String past = now.minusSeconds(1).toString();
        String future = now.plusSeconds(60).toString();

        assertThat(a.isDue(known(pending()), now)).isTrue();
        assertThat(a.isDue(known(ImageAnalysisState.waiting(AnalysisPhase.PENDING, null, 3, null, null)), now))
                .as("out of attempts")
                .isFalse();
        assertThat(a.isDue(known(ImageAnalysisState.waiting(AnalysisPhase.ANALYZING, null, 1, null, "old")), now))
                .as("left Analyzing without a claim expiry by a former version")
                .isTrue();
        assertThat(a.isDue(known(ImageAnalysisState.waiting(AnalysisPhase.FAILED, "x", 1, past, "a")), now))
                .isTrue();
        assertThat(a.isDue(known(ImageAnalysisState.waiting(AnalysisPhase.FAILED, "x", 1, future, "a")), now))
                .isFalse();
        assertThat(a.isDue(known(ImageAnalysisState.waiting(AnalysisPhase.FAILED, "x", 1, null, "a")), now))
                .as("not retryable")
                .isFalse();
        assertThat(a.isDue(known(ImageAnalysisState.waiting(AnalysisPhase.FAILED, "x", 3, past, "a")), now))
                .as("out of attempts")
                .isFalse();
        assertThat(a.isDue(KnownAnalysis.of(ContentNotesTest.complete(ContentNotesTest.DIGEST)), now))
                .isFalse();
    }

    @Test
    void anExpiredClaimOnTheLastTryIsRecordedAsFailedNotTriedAgain() {
        store.put(
                NAME,
                ImageAnalysisState.claimed(
                        3, "analyzer-gone", clock.now.minusSeconds(1).toString()));

        assertThat(a.isDue(store.known(NAME), clock.now)).isTrue();
        assertThat(a.claim(store.known(NAME))).isEmpty();

        ImageAnalysisState status = store.objects.get(NAME).status();
        assertThat(status.phase()).isEqualTo(AnalysisPhase.FAILED);
        assertThat(status.attempts()).isEqualTo(3);
        assertThat(status.nextAttemptAt()).isNull();
        assertThat(status.message()).isEqualTo("the analyzer analyzer-gone stopped during the last of 3 tries");
        assertThat(a.isDue(store.known(NAME), clock.now)).isFalse();
    }

    @Test
    void aClaimGivenBackAtShutdownIsPendingAgainForTheOthersAtOnceWithoutCostingATry() {
        store.put(NAME, pending());
        AnalysisClaims.Claim held = a.claim(store.known(NAME)).orElseThrow();

        assertThat(a.release(held)).isTrue();

        ImageAnalysisState status = store.objects.get(NAME).status();
        assertThat(status.phase()).isEqualTo(AnalysisPhase.PENDING);
        assertThat(status.attempts()).isZero();
        assertThat(status.claimedUntil()).isNull();
        assertThat(b.isDue(store.known(NAME), clock.now))
                .as("before the claim would have expired")
                .isTrue();
        assertThat(b.claim(store.known(NAME)).orElseThrow().attempts()).isEqualTo(1);
        assertThat(a.finish(held, pending()))
                .as("the analysis that was cut short writes nothing")
                .isFalse();
        assertThat(store.objects.get(NAME).status().analyzer()).isEqualTo("analyzer-b");
    }

    @Test
    void aGoneObjectIsNeitherClaimedNorWritten() {
        store.put(NAME, pending());
        KnownAnalysis seen = store.known(NAME);
        AnalysisClaims.Claim held = a.claim(seen).orElseThrow();
        store.objects.remove(NAME);

        assertThat(a.renew(held)).isEmpty();
        assertThat(a.finish(held, pending())).isFalse();
        assertThat(b.claim(seen)).isEmpty();
    }

    private static KnownAnalysis known(ImageAnalysisState state) {
        return KnownAnalysis.of(ContentNotesTest.analysis(ContentNotesTest.DIGEST, state));
    }
}
