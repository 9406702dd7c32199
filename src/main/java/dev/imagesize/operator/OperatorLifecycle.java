package dev.imagesize.operator;

import dev.imagesize.Config;
import dev.imagesize.admission.WebhookServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.net.UnknownHostException;
import org.jboss.logging.Logger;

/**
 * Runs the operator inside Quarkus: checks that the cluster answers, fills the shared cluster view, starts the
 * webhook (every replica) and java-operator-sdk with the reconcilers (the leader only, by Lease), and stops them at
 * shutdown.
 */
@Singleton
public class OperatorLifecycle {
    private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

    private final KubernetesClient client;
    private final Instance<Reconciler<?>> reconcilers;
    private final ClusterView cluster;
    private final WebhookServer webhook;
    private final WorkloadAudit audit;
    private final Config config;
    private volatile Operator operator;
    private volatile boolean shuttingDown;

    OperatorLifecycle(
            KubernetesClient client,
            Instance<Reconciler<?>> reconcilers,
            ClusterView cluster,
            WebhookServer webhook,
            WorkloadAudit audit,
            Config config) {
        this.client = client;
        this.reconcilers = reconcilers;
        this.cluster = cluster;
        this.webhook = webhook;
        this.audit = audit;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        String version;
        try {
            version = client.getKubernetesVersion().getGitVersion();
        } catch (KubernetesClientException e) {
            LOG.errorf(
                    "cannot reach the Kubernetes API server at %s: %s (set KUBECONFIG to a reachable cluster, or run"
                            + " hack/run-local.sh for a local one)",
                    client.getMasterUrl(), rootMessage(e));
            Quarkus.asyncExit(1);
            return;
        }
        cluster.start();
        webhook.start();
        Config.LeaderElection election = config.leaderElection();
        Operator started = new Operator(overrider -> {
            overrider.withKubernetesClient(client).withCloseClientOnStop(false);
            if (election.enabled()) {
                overrider.withLeaderElectionConfiguration(new LeaderElectionConfiguration(
                        election.leaseName(),
                        election.leaseNamespace().orElseGet(this::ownNamespace),
                        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                        null,
                        new LeaderCallbacks(() -> {}, this::lostLeadership, leader -> {}),
                        false));
            }
        });
        reconcilers.forEach(started::register);
        started.start();
        operator = started;
        LOG.infof(
                "operator started against %s (Kubernetes %s): %d reconcilers%s",
                client.getMasterUrl(),
                version,
                started.getRegisteredControllersNumber(),
                election.enabled() ? ", leader election on Lease " + election.leaseName() : "");
    }

    /**
     * A leader that loses its Lease while running must stop reconciling at once: exit, and Kubernetes restarts the
     * replica as a follower. During shutdown, releasing the Lease is expected, and JOSDK 5.3.2's own exit would
     * deadlock inside the JVM's shutdown hook, so that case only logs.
     */
    private void lostLeadership() {
        if (shuttingDown) {
            LOG.info("released the leader Lease");
            return;
        }
        LOG.error("lost the leader Lease while running; exiting so that this replica restarts as a follower");
        Quarkus.asyncExit(1);
    }

    void onStop(@Observes ShutdownEvent event) {
        shuttingDown = true;
        Operator running = operator;
        if (running != null) {
            running.stop();
        }
        audit.stop();
        cluster.stop();
    }

    /** Ready to serve: the cluster view is synced, the webhook has its certificate, and the operator started. */
    public boolean isReady() {
        return operator != null && cluster.isSynced() && webhook.isServing();
    }

    private String ownNamespace() {
        String fromPod = System.getenv("POD_NAMESPACE");
        if (fromPod != null && !fromPod.isBlank()) {
            return fromPod;
        }
        return client.getNamespace() != null ? client.getNamespace() : "default";
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host " + cause.getMessage();
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
