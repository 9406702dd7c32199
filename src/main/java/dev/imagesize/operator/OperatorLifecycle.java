package dev.imagesize.operator;

import dev.imagesize.Config;
import dev.imagesize.content.AnalyzerRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.net.UnknownHostException;
import org.jboss.logging.Logger;

/**
 * Runs the process inside Quarkus: checks that the cluster answers, then starts the one role {@code imagesize.role}
 * names ({@link OperatorRole}: webhook, leader-elected audit and reconcilers, the analysis queue; or
 * {@link AnalyzerRole}: the image analysis only) and stops it at shutdown. Only the chosen role's objects are built: an
 * analyzer never creates a webhook server or a leader election, an operator never an analysis worker.
 */
@Singleton
public class OperatorLifecycle {
    private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

    private final KubernetesClient client;
    private final Config config;
    private final Identity identity;
    private final Provider<OperatorRole> operator;
    private final Provider<AnalyzerRole> analyzer;
    private volatile ProcessRole role;

    OperatorLifecycle(
            KubernetesClient client,
            Config config,
            Identity identity,
            Provider<OperatorRole> operator,
            Provider<AnalyzerRole> analyzer) {
        this.client = client;
        this.config = config;
        this.identity = identity;
        this.operator = operator;
        this.analyzer = analyzer;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.role() == Config.Role.ANALYZER && !config.analysis().enabled()) {
            LOG.error("imagesize.role=analyzer needs imagesize.analysis.enabled=true (IMAGESIZE_ANALYSIS_ENABLED):"
                    + " with the analysis off an analyzer has nothing to do; exiting");
            Quarkus.asyncExit(1);
            return;
        }
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
        ProcessRole chosen =
                switch (config.role()) {
                    case OPERATOR -> operator.get();
                    case ANALYZER -> analyzer.get();
                };
        chosen.start();
        role = chosen;
        LOG.infof(
                "%s %s started against %s (Kubernetes %s)",
                chosen.describe(), identity.name(), client.getMasterUrl(), version);
    }

    void onStop(@Observes ShutdownEvent event) {
        ProcessRole running = role;
        if (running != null) {
            running.stop();
        }
    }

    /** Ready to serve: started, and the role's watches (and the operator's webhook certificate) are in. */
    public boolean isReady() {
        ProcessRole running = role;
        return running != null && running.isReady();
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
