package dev.imagesize.workload;

import dev.imagesize.image.ImageRef;
import dev.imagesize.policy.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads the pod spec out of Pods and every pod controller we understand. */
public final class Workloads {
    /** The kinds whose pod templates are checked. */
    public static final Set<String> KINDS = Set.of(
            "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob");

    private Workloads() {}

    /** The workload view of {@code resource}, or empty for kinds we do not check (or objects without a pod spec). */
    public static Optional<Workload> of(HasMetadata resource) {
        ObjectMeta meta = resource.getMetadata();
        if (resource instanceof Pod pod) {
            return Optional.of(workload("Pod", meta, meta.getLabels(), pod.getSpec()));
        }
        PodTemplateSpec template = template(resource);
        if (template == null) {
            return Optional.empty();
        }
        ObjectMeta templateMeta = template.getMetadata();
        return Optional.of(workload(
                resource.getKind() != null
                        ? resource.getKind()
                        : resource.getClass().getSimpleName(),
                meta,
                templateMeta == null ? null : templateMeta.getLabels(),
                template.getSpec()));
    }

    /** The pod template of a controller, or null. */
    public static PodTemplateSpec template(HasMetadata resource) {
        if (resource instanceof Deployment d && d.getSpec() != null) {
            return d.getSpec().getTemplate();
        }
        if (resource instanceof StatefulSet s && s.getSpec() != null) {
            return s.getSpec().getTemplate();
        }
        if (resource instanceof DaemonSet d && d.getSpec() != null) {
            return d.getSpec().getTemplate();
        }
        if (resource instanceof ReplicaSet r && r.getSpec() != null) {
            return r.getSpec().getTemplate();
        }
        if (resource instanceof ReplicationController r && r.getSpec() != null) {
            return r.getSpec().getTemplate();
        }
        if (resource instanceof Job j && j.getSpec() != null) {
            return j.getSpec().getTemplate();
        }
        if (resource instanceof CronJob c
                && c.getSpec() != null
                && c.getSpec().getJobTemplate() != null
                && c.getSpec().getJobTemplate().getSpec() != null) {
            return c.getSpec().getJobTemplate().getSpec().getTemplate();
        }
        return null;
    }

    /** The pod spec of a Pod or of a controller's template, or null. */
    public static PodSpec podSpec(HasMetadata resource) {
        if (resource instanceof Pod pod) {
            return pod.getSpec();
        }
        PodTemplateSpec template = template(resource);
        return template == null ? null : template.getSpec();
    }

    /**
     * True when a controller we check owns this object, so it is reported through that owner instead: a Pod of a
     * ReplicaSet, Job, StatefulSet, DaemonSet or ReplicationController; a ReplicaSet of a Deployment; a Job of a
     * CronJob.
     */
    public static boolean hasCheckedOwner(HasMetadata resource) {
        List<OwnerReference> owners = resource.getMetadata().getOwnerReferences();
        if (owners == null) {
            return false;
        }
        return owners.stream()
                .filter(owner -> Boolean.TRUE.equals(owner.getController()))
                .anyMatch(owner -> KINDS.contains(owner.getKind()));
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

    private static Workload workload(String kind, ObjectMeta meta, java.util.Map<String, String> labels, PodSpec spec) {
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
