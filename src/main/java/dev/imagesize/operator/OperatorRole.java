package dev.imagesize.operator;

import dev.imagesize.admission.WebhookServer;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.content.ContentAnalysis;

/**
 * The operator role: fills the shared cluster view, watches the analyses and queues admission misses (when the
 * analysis is on), serves the webhook (every replica) and contends for leadership (the audit, the status reconcilers,
 * the reports and the analysis sweep run on the leader only). It never analyses an image.
 */
public final class OperatorRole implements ProcessRole {
    private final ClusterView cluster;
    private final ContentAnalysis content;
    private final WebhookServer webhook;
    private final Leadership leadership;

    public OperatorRole(ClusterView cluster, ContentAnalysis content, WebhookServer webhook, Leadership leadership) {
        this.cluster = cluster;
        this.content = content;
        this.webhook = webhook;
        this.leadership = leadership;
    }

    @Override
    public void start() {
        cluster.start();
        content.start();
        webhook.start();
        leadership.start();
    }

    /** Stops the leader-only work first, so that the Lease is released to a replica that takes over at once. */
    @Override
    public void stop() {
        leadership.stop();
        webhook.stop();
        content.stop();
        cluster.stop();
    }

    @Override
    public boolean isReady() {
        return cluster.isSynced() && webhook.isServing();
    }

    @Override
    public String describe() {
        return "operator";
    }
}
