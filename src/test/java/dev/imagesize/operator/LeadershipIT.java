package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.Config;
import dev.imagesize.testing.TestCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Leadership in process against the real API server: exactly one of two replicas runs the leader-only work, the
 * other takes over when the leader stops, and a leader whose Lease is taken stops its work and contends again.
 */
class LeadershipIT {
    private static final Duration LEASE = Duration.ofSeconds(4);

    record Election(boolean enabled, String leaseName) implements Config.LeaderElection {
        @Override
        public Optional<String> leaseNamespace() {
            return Optional.of("default");
        }

        @Override
        public Optional<String> identity() {
            return Optional.empty();
        }

        @Override
        public Duration leaseDuration() {
            return LEASE;
        }

        @Override
        public Duration renewDeadline() {
            return Duration.ofSeconds(3);
        }

        @Override
        public Duration retryPeriod() {
            return Duration.ofMillis(500);
        }
    }

    /** Counts its starts and stops; running while started more often than stopped. */
    static final class Work implements LeaderTask {
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger stops = new AtomicInteger();

        @Override
        public void startLeading() {
            starts.incrementAndGet();
        }

        @Override
        public void stopLeading() {
            stops.incrementAndGet();
        }

        boolean running() {
            return starts.get() > stops.get();
        }
    }

    @Test
    void oneLeadsTheOtherTakesOverAndALostLeaseStopsTheWork() {
        KubernetesClient client = TestCluster.get().client();
        String lease =
                "leadership-it-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 30), 36);
        Election election = new Election(true, lease);
        Work workA = new Work();
        Work workB = new Work();
        Leadership a = new Leadership(client, election, "default", new Identity(lease + "-a"), List.of(workA));
        Leadership b = new Leadership(client, election, "default", new Identity(lease + "-b"), List.of(workB));
        try {
            a.start();
            await().atMost(Duration.ofSeconds(20)).until(workA::running);
            b.start();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !workB.running());
            assertThat(a.isLeading()).isTrue();
            assertThat(b.isLeading()).isFalse();

            a.stop();
            assertThat(workA.running())
                    .as("the work stops before the Lease is released")
                    .isFalse();
            await().atMost(LEASE).until(workB::running);

            // b renews the Lease meanwhile: a renewal between edit()'s read and write is a 409, and the edit is retried
            await().atMost(Duration.ofSeconds(10))
                    .ignoreExceptionsMatching(
                            e -> e instanceof KubernetesClientException conflict && conflict.getCode() == 409)
                    .until(() -> {
                        client.resources(Lease.class)
                                .inNamespace("default")
                                .withName(lease)
                                .edit(l -> {
                                    l.getSpec().setHolderIdentity("someone-else");
                                    l.getSpec().setRenewTime(ZonedDateTime.now());
                                    l.getSpec().setLeaseDurationSeconds(3);
                                    return l;
                                });
                        return true;
                    });
            await().atMost(Duration.ofSeconds(10)).until(() -> !workB.running());
            await().atMost(Duration.ofSeconds(20))
                    .alias("b contends again and leads once the stolen Lease expires")
                    .until(workB::running);
            assertThat(workB.starts.get()).isEqualTo(2);
        } finally {
            a.stop();
            b.stop();
        }
    }

    @Test
    void withoutLeaderElectionTheWorkStartsAtOnce() {
        Work work = new Work();
        Leadership alone = new Leadership(
                TestCluster.get().client(),
                new Election(false, "unused"),
                "default",
                new Identity("alone"),
                List.of(work));
        alone.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(work::running);
        } finally {
            alone.stop();
        }
        assertThat(work.running()).isFalse();
    }
}
