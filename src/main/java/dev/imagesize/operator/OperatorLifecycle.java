package dev.imagesize.operator;

import dev.imagesize.admission.WebhookServer;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.content.ContentAnalysis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.net.UnknownHostException;
import org.jboss.logging.Logger;

/**
 * Runs the operator inside Quarkus: checks that the cluster answers, fills the shared cluster view, starts the
 * webhook (every replica) and contends for leadership (the audit and the status reconciler run on the leader only),
 * and stops them at shutdown, the leader-only work first so that the Lease is released to a replica that takes over
 * at once.
 */
@Singleton
public class OperatorLifecycle {
    private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

    private final KubernetesClient client;
    private final ClusterView cluster;
    private final WebhookServer webhook;
    private final Leadership leadership;
    private final Identity identity;
    private final ContentAnalysis content;
    private volatile boolean started;

    OperatorLifecycle(
            KubernetesClient client,
            ClusterView cluster,
            WebhookServer webhook,
            Leadership leadership,
            Identity identity,
            ContentAnalysis content) {
        this.content = content;
        this.client = client;
        this.cluster = cluster;
        this.webhook = webhook;
        this.leadership = leadership;
        this.identity = identity;
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
        content.start();
        webhook.start();
        leadership.start();
        started = true;
        LOG.infof("operator %s started against %s (Kubernetes %s)", identity.name(), client.getMasterUrl(), version);
    }

    void onStop(@Observes ShutdownEvent event) {
        leadership.stop();
        content.stop();
        cluster.stop();
    }

    /** Ready to serve: started, the cluster view is synced and the webhook has its certificate. */
    public boolean isReady() {
        return started && cluster.isSynced() && webhook.isServing();
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
