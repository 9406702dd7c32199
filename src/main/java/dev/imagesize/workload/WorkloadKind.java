package dev.imagesize.workload;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.AnyNamespaceOperation;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one registry of the workload kinds whose pod specs are checked: their Kubernetes kind, Java class, API group,
 * version and resource, where the pod spec is, and how to watch them. The webhook, the audit, {@link Workloads} and
 * the tests that compare it with the chart's webhook rules and RBAC all read it.
 */
public enum WorkloadKind {
    POD("Pod", Pod.class, "", "v1", "pods", "spec", null),
    DEPLOYMENT(
            "Deployment",
            Deployment.class,
            "apps",
            "v1",
            "deployments",
            "spec.template.spec",
            o -> ((Deployment) o).getSpec() == null
                    ? null
                    : ((Deployment) o).getSpec().getTemplate()),
    STATEFUL_SET(
            "StatefulSet",
            StatefulSet.class,
            "apps",
            "v1",
            "statefulsets",
            "spec.template.spec",
            o -> ((StatefulSet) o).getSpec() == null
                    ? null
                    : ((StatefulSet) o).getSpec().getTemplate()),
    DAEMON_SET(
            "DaemonSet",
            DaemonSet.class,
            "apps",
            "v1",
            "daemonsets",
            "spec.template.spec",
            o -> ((DaemonSet) o).getSpec() == null
                    ? null
                    : ((DaemonSet) o).getSpec().getTemplate()),
    REPLICA_SET(
            "ReplicaSet",
            ReplicaSet.class,
            "apps",
            "v1",
            "replicasets",
            "spec.template.spec",
            o -> ((ReplicaSet) o).getSpec() == null
                    ? null
                    : ((ReplicaSet) o).getSpec().getTemplate()),
    REPLICATION_CONTROLLER(
            "ReplicationController",
            ReplicationController.class,
            "",
            "v1",
            "replicationcontrollers",
            "spec.template.spec",
            o -> ((ReplicationController) o).getSpec() == null
                    ? null
                    : ((ReplicationController) o).getSpec().getTemplate()),
    JOB(
            "Job",
            Job.class,
            "batch",
            "v1",
            "jobs",
            "spec.template.spec",
            o -> ((Job) o).getSpec() == null ? null : ((Job) o).getSpec().getTemplate()),
    CRON_JOB("CronJob", CronJob.class, "batch", "v1", "cronjobs", "spec.jobTemplate.spec.template.spec", o -> {
        CronJob c = (CronJob) o;
        return c.getSpec() == null
                        || c.getSpec().getJobTemplate() == null
                        || c.getSpec().getJobTemplate().getSpec() == null
                ? null
                : c.getSpec().getJobTemplate().getSpec().getTemplate();
    });

    private final String kind;
    private final Class<? extends HasMetadata> type;
    private final String group;
    private final String version;
    private final String resource;
    private final String podSpecPath;
    private final Function<HasMetadata, PodTemplateSpec> template;

    WorkloadKind(
            String kind,
            Class<? extends HasMetadata> type,
            String group,
            String version,
            String resource,
            String podSpecPath,
            Function<HasMetadata, PodTemplateSpec> template) {
        this.kind = kind;
        this.type = type;
        this.group = group;
        this.version = version;
        this.resource = resource;
        this.podSpecPath = podSpecPath;
        this.template = template;
    }

    /** The Kubernetes kind, {@code Deployment}. */
    public String kind() {
        return kind;
    }

    /** The fabric8 model class. */
    public Class<? extends HasMetadata> type() {
        return type;
    }

    /** The API group; empty for the core group. */
    public String group() {
        return group;
    }

    public String version() {
        return version;
    }

    /** {@code apps/v1}, or {@code v1} for the core group. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The plural resource name, as in RBAC rules and webhook rules: {@code deployments}. */
    public String resource() {
        return resource;
    }

    /** Where the pod spec is in the object, dotted: {@code spec.jobTemplate.spec.template.spec}. */
    public String podSpecPath() {
        return podSpecPath;
    }

    /** The kind of {@code kind}, if it is a workload kind. */
    public static Optional<WorkloadKind> of(String kind) {
        return Arrays.stream(values()).filter(k -> k.kind.equals(kind)).findFirst();
    }

    /** The kind of an object, by its class. */
    public static Optional<WorkloadKind> of(HasMetadata object) {
        return Arrays.stream(values()).filter(k -> k.type.isInstance(object)).findFirst();
    }

    /** The pod template of a controller; null for a Pod or an object without one. */
    public PodTemplateSpec template(HasMetadata object) {
        return template == null || !type.isInstance(object) ? null : template.apply(object);
    }

    /** The pod spec of an object of this kind, or null. */
    public PodSpec podSpec(HasMetadata object) {
        if (this == POD) {
            return object instanceof Pod pod ? pod.getSpec() : null;
        }
        PodTemplateSpec found = template(object);
        return found == null ? null : found.getSpec();
    }

    /** Every object of this kind in every namespace, for informers. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public AnyNamespaceOperation<HasMetadata, ?, ?> inAnyNamespace(KubernetesClient client) {
        return (AnyNamespaceOperation) client.resources(type).inAnyNamespace();
    }
}
