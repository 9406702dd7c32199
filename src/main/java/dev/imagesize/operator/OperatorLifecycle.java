package dev.imagesize.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Runs java-operator-sdk inside Quarkus: checks that the cluster answers, registers every reconciler bean, starts
 * the operator at application start and stops it at shutdown.
 */
@Singleton
public class OperatorLifecycle {
    private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

    private final KubernetesClient client;
    private final Instance<Reconciler<?>> reconcilers;
    private volatile Operator operator;

    OperatorLifecycle(KubernetesClient client, Instance<Reconciler<?>> reconcilers) {
        this.client = client;
        this.reconcilers = reconcilers;
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
        Operator started = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
        reconcilers.forEach(started::register);
        started.start();
        operator = started;
        LOG.infof(
                "operator started against %s (Kubernetes %s) with %d reconcilers",
                client.getMasterUrl(), version, started.getRegisteredControllersNumber());
    }

    void onStop(@Observes ShutdownEvent event) {
        Operator running = operator;
        if (running != null) {
            running.stop();
        }
    }

    /** True once the operator started and every informer it watches is synced and healthy. */
    public boolean isReady() {
        Operator running = operator;
        return running != null
                && running.getRuntimeInfo().isStarted()
                && running.getRuntimeInfo().allEventSourcesAreHealthy();
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause instanceof java.net.UnknownHostException) {
            return "unknown host " + cause.getMessage();
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
