package dev.imagesize.operator;

import dev.imagesize.Config;
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

/** Wires the leader-only work: the audit, the recorder of its verdicts, the status reconciler, the leadership. */
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
    PolicyStatusReconciler policyStatusReconciler(
            KubernetesClient client,
            ClusterView cluster,
            FindingsStore store,
            WorkloadEvents events,
            Identity identity,
            WorkloadAudit audit,
            Config config,
            MeterRegistry meters) {
        PolicyStatusReconciler reconciler = new PolicyStatusReconciler(
                client,
                cluster,
                store,
                events,
                identity,
                config.policies().failClosed(),
                config.audit().interval(),
                Clock.systemUTC(),
                meters);
        audit.onPass(reconciler::enqueue);
        return reconciler;
    }

    @Produces
    @Singleton
    Leadership leadership(
            KubernetesClient client,
            Config config,
            Identity identity,
            WorkloadAudit audit,
            PolicyStatusReconciler statuses,
            ContentAnalysis content) {
        String namespace = config.leaderElection().leaseNamespace().orElseGet(() -> ownNamespace(client));
        List<LeaderTask> tasks = new ArrayList<>(content.leaderTasks()); // before the audit: they see its first pass
        tasks.add(audit);
        tasks.add(statuses);
        return new Leadership(client, config.leaderElection(), namespace, identity, tasks);
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
