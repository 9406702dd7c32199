package dev.imagesize.operator;

import dev.imagesize.Config;
import dev.imagesize.admission.WebhookServer;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.cluster.PullSecrets;
import dev.imagesize.content.ContentAnalysis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Wires the operator role: the leader-only work (the audit, the recorder of its verdicts, the status reconcilers on
 * java-operator-sdk), the leadership that starts and stops them, and the role that runs them beside the webhook.
 */
public class OperatorProducer {

    @Produces
    @Singleton
    Identity identity(Config config) {
        return Identity.of(config.leaderElection().identity().orElse(null));
    }

    @Produces
    @Singleton
    FindingsStore findingsStore() {
        return new FindingsStore();
    }

    @Produces
    @Singleton
    WorkloadEvents workloadEvents(KubernetesClient client, Identity identity, Config config, MeterRegistry meters) {
        Counter writes = writes(meters, "events");
        return new WorkloadEvents(client, identity, config.audit().eventRepeatInterval(), writes::increment);
    }

    @Produces
    @Singleton
    WorkloadRecorder workloadRecorder(
            KubernetesClient client, Identity identity, WorkloadEvents events, MeterRegistry meters) {
        Counter writes = writes(meters, "annotations");
        return new WorkloadRecorder(client, identity, events, writes::increment);
    }

    @Produces
    @Singleton
    WorkloadAudit workloadAudit(
            KubernetesClient client,
            ClusterView cluster,
            Assessments assessments,
            PullSecrets pullSecrets,
            WorkloadRecorder recorder,
            FindingsStore store,
            Config config,
            MeterRegistry meters) {
        return new WorkloadAudit(
                client, cluster, assessments, pullSecrets, recorder, store, config.audit(), Clock.systemUTC(), meters);
    }

    @Produces
    @Singleton
    ViolationGauges violationGauges(MeterRegistry meters) {
        return new ViolationGauges(meters);
    }

    @Produces
    @Singleton
    PolicyStatusOperator policyStatusOperator(
            KubernetesClient client,
            ClusterView cluster,
            FindingsStore store,
            WorkloadEvents events,
            ViolationGauges gauges,
            Identity identity,
            WorkloadAudit audit,
            Config config,
            MeterRegistry meters) {
        PolicyStatusReconciler.Inputs inputs = new PolicyStatusReconciler.Inputs(
                cluster::policy, store, events, gauges, config.policies().failClosed(), Clock.systemUTC(), meters);
        PolicyStatusOperator statuses = new PolicyStatusOperator(
                client,
                cluster,
                List.of(new ImageSizePolicyReconciler(inputs), new ClusterImageSizePolicyReconciler(inputs)),
                identity,
                config.audit().interval(),
                gauges,
                events,
                meters);
        audit.onPass(statuses::changed);
        return statuses;
    }

    @Produces
    @Singleton
    Leadership leadership(
            KubernetesClient client,
            Config config,
            Identity identity,
            WorkloadAudit audit,
            PolicyStatusOperator statuses,
            @jakarta.inject.Named("reporting") LeaderTask reporting,
            ContentAnalysis content) {
        String namespace = config.leaderElection().leaseNamespace().orElseGet(() -> ownNamespace(client));
        List<LeaderTask> tasks = new ArrayList<>(content.leaderTasks()); // before the audit: they see its first pass
        tasks.add(audit);
        tasks.add(statuses);
        tasks.add(reporting);
        return new Leadership(client, config.leaderElection(), namespace, identity, tasks);
    }

    @Produces
    @Singleton
    OperatorRole operatorRole(
            ClusterView cluster, ContentAnalysis content, WebhookServer webhook, Leadership leadership) {
        return new OperatorRole(cluster, content, webhook, leadership);
    }

    /** The operator's namespace: POD_NAMESPACE, else the kubeconfig's, else {@code default}. */
    static String ownNamespace(KubernetesClient client) {
        String fromPod = System.getenv("POD_NAMESPACE");
        if (fromPod != null && !fromPod.isBlank()) {
            return fromPod;
        }
        return client.getNamespace() != null ? client.getNamespace() : "default";
    }

    private static Counter writes(MeterRegistry meters, String what) {
        return Counter.builder("imagesize.audit.writes")
                .description("Writes of the audit's verdicts (annotations, events); only the leader writes")
                .tag("what", what)
                .register(meters);
    }
}
