package dev.imagesize.testing;

import dev.imagesize.Config;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.cluster.PullSecrets;
import dev.imagesize.operator.ClusterImageSizePolicyReconciler;
import dev.imagesize.operator.FindingsStore;
import dev.imagesize.operator.Identity;
import dev.imagesize.operator.ImageSizePolicyReconciler;
import dev.imagesize.operator.PolicyStatusOperator;
import dev.imagesize.operator.PolicyStatusReconciler;
import dev.imagesize.operator.ViolationGauges;
import dev.imagesize.operator.WorkloadAudit;
import dev.imagesize.operator.WorkloadEvents;
import dev.imagesize.operator.WorkloadRecorder;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.ResolverConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The operator's cluster view, audit, recorder and status reconcilers (on java-operator-sdk) wired in the test JVM
 * against the test API server and real registries, without packaging or starting the jar: the middle test tier.
 * {@link #lead()} starts the leader-only work as leadership would; nothing is written, and no JOSDK operator exists,
 * before.
 */
public final class InProcessOperator implements AutoCloseable {
    /** The audit settings of a test: a short interval and lookup deadline, events repeated at once. */
    public record Audit(
            Duration interval,
            Duration lookupTimeout,
            long listPageSize,
            Duration errorBackoff,
            Duration eventRepeatInterval)
            implements Config.Audit {
        @Override
        public int writers() {
            return 4;
        }

        @Override
        public int maxSizeSeries() {
            return 10_000;
        }

        public static Audit fast() {
            return new Audit(Duration.ofMinutes(10), Duration.ofSeconds(5), 500, Duration.ofSeconds(1), Duration.ZERO);
        }
    }

    public final ClusterView cluster;
    public final FindingsStore store = new FindingsStore();
    public final MeterRegistry meters = new SimpleMeterRegistry();
    public final ImageSizeResolver resolver;
    public final PullSecrets pullSecrets;
    public final WorkloadAudit audit;
    public final PolicyStatusOperator statuses;
    public final Identity identity;
    private final ExecutorService secretReads = Executors.newFixedThreadPool(4);
    /** A workload name whose assessment throws, to show that one failing workload never stops the others. */
    public volatile String failingWorkload;

    public InProcessOperator(KubernetesClient client, String identity, Set<String> insecureRegistries, Audit settings) {
        this.identity = new Identity(identity);
        cluster = new ClusterView(client, true);
        resolver = ImageSizeResolver.forRegistries(
                ResolverConfig.defaults().withInsecureRegistries(new LinkedHashSet<>(insecureRegistries)));
        pullSecrets = new PullSecrets(client, List.of(), 16, Duration.ofMinutes(1), Duration.ofSeconds(5), secretReads);
        WorkloadEvents events = new WorkloadEvents(client, this.identity, settings.eventRepeatInterval(), () -> {});
        WorkloadRecorder recorder = new WorkloadRecorder(
                client, this.identity, events, () -> meters.counter("imagesize.audit.writes", "what", "annotations")
                        .increment());
        audit = new WorkloadAudit(
                client,
                cluster,
                new Assessments(resolver, 100),
                (workloads, until) -> {
                    if (workloads.stream().anyMatch(w -> w.name().equals(failingWorkload))) {
                        throw new IllegalStateException("injected failure for " + failingWorkload);
                    }
                    return pullSecrets.forWorkloads(workloads, until);
                },
                recorder,
                store,
                settings,
                Clock.systemUTC(),
                meters);
        ViolationGauges gauges = new ViolationGauges(meters);
        PolicyStatusReconciler.Inputs inputs = new PolicyStatusReconciler.Inputs(
                cluster::policy, store, events, gauges, true, Clock.systemUTC(), meters);
        statuses = new PolicyStatusOperator(
                client,
                cluster,
                List.of(new ImageSizePolicyReconciler(inputs), new ClusterImageSizePolicyReconciler(inputs)),
                this.identity,
                settings.interval(),
                gauges,
                events,
                meters);
        audit.onPass(statuses::changed);
        cluster.start();
    }

    /** Starts the leader-only work, as winning the Lease does. */
    public InProcessOperator lead() {
        audit.startLeading();
        statuses.startLeading();
        return this;
    }

    /** Stops the leader-only work, as losing the Lease does. */
    public void follow() {
        statuses.stopLeading();
        audit.stopLeading();
    }

    /** How many audit passes of this kind ({@code full}, {@code partial}) ran. */
    public long passes(String kind) {
        var timer = meters.find("imagesize.audit.passes").tag("kind", kind).timer();
        return timer == null ? 0 : timer.count();
    }

    @Override
    public void close() {
        follow();
        cluster.stop();
        resolver.close();
        secretReads.shutdownNow();
    }
}
