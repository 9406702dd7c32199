package dev.imagesize.workload;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts a workload object down to what the audit reads (name, namespace, uid, labels, controller owner, our own
 * annotations, and a pod spec of container names and images, pull secrets and ServiceAccount), in place, so that an
 * informer holding thousands of them keeps a few hundred bytes each. Repeated strings (images, label keys and
 * values) are interned: ten thousand Pods of one image keep one copy of its name.
 */
public final class WorkloadSlimmer {
    /** The annotation prefix kept: the audit's own verdict, to know when it must be rewritten. */
    public static final String KEPT_ANNOTATION_PREFIX = "imagesize.dev/";

    private WorkloadSlimmer() {}

    /** {@code object}, reduced in place; returned for chaining. */
    public static <T extends HasMetadata> T slim(T object) {
        object.setMetadata(meta(object.getMetadata(), true));
        if (object instanceof Pod pod) {
            pod.setSpec(spec(pod.getSpec()));
            pod.setStatus(null);
        } else if (object instanceof Deployment d) {
            d.setStatus(null);
            if (d.getSpec() != null) {
                d.getSpec().setTemplate(template(d.getSpec().getTemplate()));
                d.getSpec().setStrategy(null);
            }
        } else if (object instanceof StatefulSet s) {
            s.setStatus(null);
            if (s.getSpec() != null) {
                s.getSpec().setTemplate(template(s.getSpec().getTemplate()));
                s.getSpec().setVolumeClaimTemplates(null);
            }
        } else if (object instanceof DaemonSet d) {
            d.setStatus(null);
            if (d.getSpec() != null) {
                d.getSpec().setTemplate(template(d.getSpec().getTemplate()));
            }
        } else if (object instanceof ReplicaSet r) {
            r.setStatus(null);
            if (r.getSpec() != null) {
                r.getSpec().setTemplate(template(r.getSpec().getTemplate()));
            }
        } else if (object instanceof ReplicationController r) {
            r.setStatus(null);
            if (r.getSpec() != null) {
                r.getSpec().setTemplate(template(r.getSpec().getTemplate()));
            }
        } else if (object instanceof Job j) {
            j.setStatus(null);
            if (j.getSpec() != null) {
                j.getSpec().setTemplate(template(j.getSpec().getTemplate()));
            }
        } else if (object instanceof CronJob c) {
            c.setStatus(null);
            if (c.getSpec() != null
                    && c.getSpec().getJobTemplate() != null
                    && c.getSpec().getJobTemplate().getSpec() != null) {
                c.getSpec()
                        .getJobTemplate()
                        .getSpec()
                        .setTemplate(
                                template(c.getSpec().getJobTemplate().getSpec().getTemplate()));
            }
        }
        return object;
    }

    private static PodTemplateSpec template(PodTemplateSpec template) {
        if (template == null) {
            return null;
        }
        PodTemplateSpec slim = new PodTemplateSpec();
        if (template.getMetadata() != null) {
            slim.setMetadata(meta(template.getMetadata(), false));
        }
        slim.setSpec(spec(template.getSpec()));
        return slim;
    }

    private static ObjectMeta meta(ObjectMeta meta, boolean object) {
        if (meta == null) {
            return new ObjectMeta();
        }
        ObjectMeta slim = new ObjectMeta();
        // the model starts every collection empty; null ones cost nothing in a store of thousands
        slim.setFinalizers(null);
        slim.setManagedFields(null);
        slim.setOwnerReferences(null);
        slim.setAnnotations(null);
        slim.setLabels(interned(meta.getLabels()));
        if (!object) {
            return slim;
        }
        slim.setName(meta.getName());
        slim.setNamespace(intern(meta.getNamespace()));
        slim.setUid(meta.getUid());
        slim.setResourceVersion(meta.getResourceVersion());
        if (meta.getOwnerReferences() != null && !meta.getOwnerReferences().isEmpty()) {
            slim.setOwnerReferences(meta.getOwnerReferences().stream()
                    .filter(owner -> Boolean.TRUE.equals(owner.getController()))
                    .map(owner -> {
                        OwnerReference ref = new OwnerReference();
                        ref.setApiVersion(intern(owner.getApiVersion()));
                        ref.setKind(intern(owner.getKind()));
                        ref.setName(owner.getName());
                        ref.setUid(owner.getUid());
                        ref.setController(Boolean.TRUE);
                        return ref;
                    })
                    .toList());
        }
        if (meta.getAnnotations() != null) {
            Map<String, String> ours = new LinkedHashMap<>();
            meta.getAnnotations().forEach((key, value) -> {
                if (key.startsWith(KEPT_ANNOTATION_PREFIX)) {
                    ours.put(intern(key), value);
                }
            });
            slim.setAnnotations(ours.isEmpty() ? null : ours);
        }
        return slim;
    }

    private static PodSpec spec(PodSpec spec) {
        if (spec == null) {
            return null;
        }
        PodSpec slim = new PodSpec();
        slim.setHostAliases(null);
        slim.setReadinessGates(null);
        slim.setResourceClaims(null);
        slim.setSchedulingGates(null);
        slim.setTolerations(null);
        slim.setTopologySpreadConstraints(null);
        slim.setVolumes(null);
        slim.setNodeSelector(null);
        slim.setOverhead(null);
        slim.setContainers(containers(spec.getContainers()));
        slim.setInitContainers(containers(spec.getInitContainers()));
        if (spec.getEphemeralContainers() != null
                && !spec.getEphemeralContainers().isEmpty()) {
            slim.setEphemeralContainers(spec.getEphemeralContainers().stream()
                    .map(c -> {
                        EphemeralContainer e = new EphemeralContainer();
                        e.setName(intern(c.getName()));
                        e.setImage(intern(c.getImage()));
                        return e;
                    })
                    .toList());
        } else {
            slim.setEphemeralContainers(null);
        }
        if (spec.getImagePullSecrets() != null && !spec.getImagePullSecrets().isEmpty()) {
            slim.setImagePullSecrets(spec.getImagePullSecrets().stream()
                    .map(ref -> new LocalObjectReference(intern(ref.getName())))
                    .toList());
        } else {
            slim.setImagePullSecrets(null);
        }
        slim.setServiceAccountName(intern(spec.getServiceAccountName()));
        return slim;
    }

    private static List<Container> containers(List<Container> containers) {
        if (containers == null || containers.isEmpty()) {
            return null;
        }
        return containers.stream()
                .map(c -> {
                    Container slim = new Container();
                    slim.setArgs(null);
                    slim.setCommand(null);
                    slim.setEnv(null);
                    slim.setEnvFrom(null);
                    slim.setPorts(null);
                    slim.setResizePolicy(null);
                    slim.setVolumeDevices(null);
                    slim.setVolumeMounts(null);
                    slim.setName(intern(c.getName()));
                    slim.setImage(intern(c.getImage()));
                    return slim;
                })
                .toList();
    }

    private static Map<String, String> interned(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return null;
        }
        Map<String, String> copy = new LinkedHashMap<>(labels.size() * 2);
        labels.forEach((key, value) -> copy.put(intern(key), intern(value)));
        return copy;
    }

    private static String intern(String text) {
        return text == null ? null : text.intern();
    }
}
