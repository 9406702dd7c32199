package dev.imagesize.workload;

import dev.imagesize.image.ImageRef;
import dev.imagesize.policy.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the pod spec out of Pods and every pod controller of {@link WorkloadKind}. Objects are read with {@link
 * ReadFields}, which binds only the fields read here: a field this class starts reading goes into its list too
 * ({@code ReadFieldsTest} reads every kind with and without it and compares).
 */
public final class Workloads {
    /** The kinds whose pod templates are checked. */
    public static final Set<String> KINDS =
            Arrays.stream(WorkloadKind.values()).map(WorkloadKind::kind).collect(Collectors.toUnmodifiableSet());

    private Workloads() {}

    /** The workload view of {@code resource}, or empty for kinds we do not check (or objects without a pod spec). */
    public static Optional<Workload> of(HasMetadata resource) {
        Optional<WorkloadKind> kind = WorkloadKind.of(resource);
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        ObjectMeta meta = resource.getMetadata();
        if (kind.get() == WorkloadKind.POD) {
            return Optional.of(
                    workload("Pod", meta, meta.getLabels(), kind.get().podSpec(resource)));
        }
        PodTemplateSpec template = kind.get().template(resource);
        if (template == null) {
            return Optional.empty();
        }
        ObjectMeta templateMeta = template.getMetadata();
        return Optional.of(workload(
                kind.get().kind(), meta, templateMeta == null ? null : templateMeta.getLabels(), template.getSpec()));
    }

    /** The pod spec of a Pod or of a controller's template, or null. */
    public static PodSpec podSpec(HasMetadata resource) {
        return WorkloadKind.of(resource).map(kind -> kind.podSpec(resource)).orElse(null);
    }

    /**
     * The controller owner of this object when it is a kind we check (a Pod of a ReplicaSet, Job, StatefulSet,
     * DaemonSet or ReplicationController; a ReplicaSet of a Deployment; a Job of a CronJob), else empty.
     */
    public static Optional<OwnerReference> checkedController(HasMetadata resource) {
        List<OwnerReference> owners = resource.getMetadata().getOwnerReferences();
        if (owners == null) {
            return Optional.empty();
        }
        return owners.stream()
                .filter(owner -> Boolean.TRUE.equals(owner.getController()))
                .filter(owner -> KINDS.contains(owner.getKind()))
                .findFirst();
    }

    /** Every image of a pod spec as written, in order: for "did the images change?" on UPDATE. */
    public static List<String> images(PodSpec spec) {
        List<String> images = new ArrayList<>();
        if (spec == null) {
            return images;
        }
        if (spec.getInitContainers() != null) {
            spec.getInitContainers().forEach(c -> images.add(c.getImage()));
        }
        if (spec.getContainers() != null) {
            spec.getContainers().forEach(c -> images.add(c.getImage()));
        }
        if (spec.getEphemeralContainers() != null) {
            spec.getEphemeralContainers().forEach(c -> images.add(c.getImage()));
        }
        images.removeIf(image -> image == null || image.isEmpty());
        return images;
    }

    private static Workload workload(String kind, ObjectMeta meta, Map<String, String> labels, PodSpec spec) {
        List<String> pullSecrets = new ArrayList<>();
        String serviceAccount = "default";
        if (spec != null) {
            if (spec.getImagePullSecrets() != null) {
                spec.getImagePullSecrets().stream()
                        .map(LocalObjectReference::getName)
                        .filter(name -> name != null && !name.isEmpty())
                        .forEach(pullSecrets::add);
            }
            if (spec.getServiceAccountName() != null
                    && !spec.getServiceAccountName().isEmpty()) {
                serviceAccount = spec.getServiceAccountName();
            }
        }
        return new Workload(
                kind, meta.getNamespace(), meta.getName(), labels, containers(spec), pullSecrets, serviceAccount);
    }

    /**
     * The containers of a pod spec. Images that cannot be references (longer than any reference, or with characters
     * outside printable ASCII) are kept as {@link ImageRef#printable} shows them, so a megabyte of pod-spec string is
     * never copied into messages, annotations or status; they stay invalid references.
     */
    private static List<Container> containers(PodSpec spec) {
        List<Container> containers = new ArrayList<>();
        if (spec == null) {
            return containers;
        }
        if (spec.getInitContainers() != null) {
            spec.getInitContainers()
                    .forEach(c -> containers.add(
                            new Container(c.getName(), Container.Type.INIT, ImageRef.printable(c.getImage()))));
        }
        if (spec.getContainers() != null) {
            spec.getContainers()
                    .forEach(c -> containers.add(
                            new Container(c.getName(), Container.Type.CONTAINER, ImageRef.printable(c.getImage()))));
        }
        if (spec.getEphemeralContainers() != null) {
            spec.getEphemeralContainers()
                    .forEach(c -> containers.add(
                            new Container(c.getName(), Container.Type.EPHEMERAL, ImageRef.printable(c.getImage()))));
        }
        containers.removeIf(c -> c.image() == null || c.image().isEmpty());
        return containers;
    }
}
