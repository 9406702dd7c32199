package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.cluster.PolicyId;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs the policy status reconcilers on java-operator-sdk for one term of leadership at a time: each term builds a
 * new {@link Operator} on the shared client, registers both reconcilers and starts it; the end of the term stops it.
 * A follower therefore never has JOSDK's informers. JOSDK's own leader election is off ({@link Leadership} decides),
 * an informer that fails is logged and counted instead of ending the process, and statuses are applied under this
 * replica's field manager.
 */
public final class PolicyStatusOperator implements LeaderTask {
    private static final Logger LOG = Logger.getLogger(PolicyStatusOperator.class);
    /** Reconciliations at once: each computes one status and makes at most two API calls. */
    private static final int THREADS = 2;
    /**
     * How long a term's start waits for the policy informers; past it the term goes on and they sync in the
     * background (a start must not hold up the end of a term, or shutdown).
     */
    private static final Duration CACHE_SYNC_TIMEOUT = Duration.ofSeconds(10);
    /** How long the end of a term waits for a reconciliation that is under way. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final List<PolicyStatusReconciler<?>> reconcilers;
    private final Identity identity;
    private final Duration interval;
    private final ViolationGauges gauges;
    private final WorkloadEvents events;
    private final Counter informerErrors;
    private Operator operator;
    private ExecutorService reconciling;

    /**
     * @param interval every policy's status is looked at least this often (the audit interval)
     */
    public PolicyStatusOperator(
            KubernetesClient client,
            ClusterView cluster,
            List<PolicyStatusReconciler<?>> reconcilers,
            Identity identity,
            Duration interval,
            ViolationGauges gauges,
            WorkloadEvents events,
            MeterRegistry meters) {
        this.client = client;
        this.reconcilers = List.copyOf(reconcilers);
        this.identity = identity;
        this.interval = interval;
        this.gauges = gauges;
        this.events = events;
        this.informerErrors = Counter.builder("imagesize.policy.informer.errors")
                .description("Policy informers of the status reconcilers that stopped on an error (the process and the"
                        + " webhook go on)")
                .register(meters);
        cluster.onPolicyChange(id -> changed(List.of(id)));
    }

    /** Asks for a look at these policies' status: an audit pass changed their findings, or their rule changed. */
    public void changed(Collection<PolicyId> policies) {
        reconcilers.forEach(reconciler -> reconciler.changed(policies));
    }

    /** Whether this replica runs the reconcilers now. */
    public synchronized boolean isRunning() {
        return operator != null;
    }

    @Override
    public synchronized void startLeading() {
        if (operator != null) {
            return;
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "policy-status-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        Operator started = new Operator(overrider -> overrider
                .withKubernetesClient(client)
                .withCloseClientOnStop(false)
                .withStopOnInformerErrorDuringStartup(false)
                .withInformerStoppedHandler(this::informerStopped)
                .withCacheSyncTimeout(CACHE_SYNC_TIMEOUT)
                .withExecutorService(executor));
        reconcilers.forEach(reconciler -> register(started, reconciler));
        try {
            started.start();
        } catch (RuntimeException e) {
            end(started, executor);
            throw e;
        }
        operator = started;
        reconciling = executor;
    }

    private <P extends CustomResource<?, ImageSizePolicyStatus>> void register(
            Operator operator, PolicyStatusReconciler<P> reconciler) {
        operator.register(reconciler, configuration -> configuration
                .watchingAllNamespaces()
                .withFieldManager(identity.fieldManager())
                .withReconciliationMaxInterval(interval));
    }

    @Override
    public synchronized void stopLeading() {
        if (operator == null) {
            return;
        }
        end(operator, reconciling);
        operator = null;
        reconciling = null;
        gauges.clear();
        events.clear();
    }

    /** Stops an operator and every thread it started, so that nothing of this term writes after it. */
    private static void end(Operator operator, ExecutorService executor) {
        try {
            operator.stop();
        } catch (RuntimeException e) {
            LOG.warnf("stopping the status reconcilers: %s", e.toString());
        }
        // JOSDK 5.3.2 does not stop the scheduler of its caches' periodic checks with the operator
        operator.getConfigurationService()
                .getExecutorServiceManager()
                .scheduledExecutorService()
                .shutdownNow();
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("a status reconciliation did not end within %s", DRAIN_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** JOSDK's default handler ends the process; here a failed informer is logged and counted. */
    private void informerStopped(SharedIndexInformer<?> informer, Throwable error) {
        if (error == null) {
            return; // stopped with the term
        }
        informerErrors.increment();
        LOG.errorf(
                "the %s informer of the status reconcilers stopped: %s; their statuses wait for the next term, while"
                        + " the webhook and the cluster view go on",
                informer.getApiTypeClass().getSimpleName(), error.toString());
    }
}
