package dev.imagesize.operator;

import dev.imagesize.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs the leader-only work ({@link LeaderTask}s: the audit and the policy status reconciler) on exactly one replica
 * at a time, by a Lease. On gaining the Lease the tasks start; on losing it they stop and this replica contends again,
 * while the webhook and the cluster view go on serving. With leader election off, the tasks start at once.
 */
public final class Leadership {
    private static final Logger LOG = Logger.getLogger(Leadership.class);

    private final KubernetesClient client;
    private final Config.LeaderElection config;
    private final String leaseNamespace;
    private final Identity identity;
    private final List<LeaderTask> tasks;
    /** One thread runs every start and stop, in order, so a term's stop never overtakes its start. */
    private final ExecutorService transitions;

    private final ScheduledExecutorService elections;
    private volatile boolean leading;
    private volatile boolean closed;
    private volatile CompletableFuture<?> term;
    private volatile LeaderElector elector;

    public Leadership(
            KubernetesClient client,
            Config.LeaderElection config,
            String leaseNamespace,
            Identity identity,
            List<LeaderTask> tasks) {
        this.client = client;
        this.config = config;
        this.leaseNamespace = leaseNamespace;
        this.identity = identity;
        this.tasks = List.copyOf(tasks);
        this.transitions = Executors.newSingleThreadExecutor(daemon("leadership"));
        this.elections = Executors.newSingleThreadScheduledExecutor(daemon("leader-election"));
    }

    /** Starts contending for the Lease (or leads at once when leader election is off). */
    public void start() {
        if (!config.enabled()) {
            LOG.info("leader election off: this replica runs the audit and the status reconciler");
            transition(this::startLeading);
            return;
        }
        LOG.infof("contending for Lease %s/%s as %s", leaseNamespace, config.leaseName(), identity.name());
        contend();
    }

    /** Whether this replica leads now. */
    public boolean isLeading() {
        return leading;
    }

    private void contend() {
        if (closed) {
            return;
        }
        LeaderElectionConfig election = new LeaderElectionConfigBuilder()
                .withName(config.leaseName())
                .withLock(new LeaseLock(leaseNamespace, config.leaseName(), identity.name()))
                .withLeaseDuration(config.leaseDuration())
                .withRenewDeadline(config.renewDeadline())
                .withRetryPeriod(config.retryPeriod())
                .withReleaseOnCancel(false) // stop() releases it, on its own thread, and says why when it cannot
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> transition(this::startLeading),
                        () -> transition(this::stopLeading),
                        leader -> LOG.debugf("the Lease is held by %s", leader)))
                .build();
        LeaderElector contender = new LeaderElector(client, election, elections);
        CompletableFuture<?> current = contender.start();
        elector = contender;
        term = current;
        current.whenComplete((ignored, error) -> {
            if (closed) {
                return;
            }
            if (error != null) {
                LOG.warnf("leader election interrupted: %s; contending again", error.getMessage());
            }
            // a lost Lease ends this elector: stop leading (if still) and contend with a new one
            transition(this::stopLeading);
            elections.schedule(this::contend, config.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private void transition(Runnable change) {
        try {
            transitions.execute(change);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down: stop() has already stopped the work
        }
    }

    private void startLeading() {
        if (leading || closed) {
            return;
        }
        leading = true;
        LOG.infof("%s leads: starting the audit and the status reconciler", identity.name());
        for (LeaderTask task : tasks) {
            try {
                task.startLeading();
            } catch (RuntimeException e) {
                LOG.errorf(e, "cannot start %s", task.getClass().getSimpleName());
            }
        }
    }

    private void stopLeading() {
        if (!leading) {
            return;
        }
        leading = false;
        LOG.infof("%s no longer leads: stopping the audit and the status reconciler", identity.name());
        for (int i = tasks.size() - 1; i >= 0; i--) {
            LeaderTask task = tasks.get(i);
            try {
                task.stopLeading();
            } catch (RuntimeException e) {
                LOG.errorf(e, "cannot stop %s", task.getClass().getSimpleName());
            }
        }
    }

    /** Stops the leader-only work and releases the Lease, so another replica takes over at once. */
    public void stop() {
        closed = true;
        try {
            // the work stops before the Lease is released, so two leaders never overlap
            transitions.submit(this::stopLeading).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("stopping the leader-only work: %s", e.getMessage());
        }
        CompletableFuture<?> current = term;
        if (current != null) {
            current.cancel(true);
            try {
                if (elector.release()) {
                    LOG.infof("%s released the Lease", identity.name());
                }
            } catch (RuntimeException e) {
                LOG.warnf(
                        "could not release the Lease (%s); another replica takes over when it expires", rootMessage(e));
            }
        }
        transitions.shutdownNow();
        elections.shutdownNow();
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
