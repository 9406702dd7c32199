package dev.imagesize.workload;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ReplicationControllerSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSetSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSetSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Jackson module that reads, of the Kubernetes objects the operator receives in bulk (workloads in reviews and
 * informers, Nodes, Namespaces), only the fields it uses; every other field of those classes is skipped unread.
 *
 * <p>Binding a fabric8 Pod builds a deserializer for every class of its model (volumes, probes, resources,
 * affinity: hundreds of classes) and loads each class's builder too (Jackson resolves a model class's interfaces,
 * and each implements {@code Editable} of its builder). The operator reads a pod spec's container names and images,
 * its pull secrets and ServiceAccount, and nothing else. Of the classes named here only those fields are bound; the
 * rest are skipped unread, so the model below them gets no deserializer and mostly never loads, and a review or a
 * watch event spends no time building what nobody reads.
 *
 * <p>It changes reading only: objects of these classes written by the operator are written whole. It is for
 * mappers that read objects the operator never writes back whole (its workload writes are merge patches of
 * annotations).
 */
public final class ReadFields {
    private static final Set<String> OBJECT = Set.of("apiVersion", "kind", "metadata", "spec");

    /**
     * Per class, the JSON fields read; a class not named here is read whole. What {@link Workloads}, the audit
     * ({@code WorkloadAudit}: a ReplicaSet's replicas) and {@code ClusterView} (a Node's platform, a Namespace's
     * labels) read, and no more.
     */
    static final Map<Class<?>, Set<String>> READ = read();

    private static Map<Class<?>, Set<String>> read() {
        Map<Class<?>, Set<String>> read = new HashMap<>();
        for (WorkloadKind kind : WorkloadKind.values()) {
            read.put(kind.type(), OBJECT); // every workload object: its metadata and spec, not its status
        }
        read.put(
                PodSpec.class,
                Set.of(
                        "containers",
                        "initContainers",
                        "ephemeralContainers",
                        "imagePullSecrets",
                        "serviceAccountName"));
        read.put(Container.class, Set.of("name", "image"));
        read.put(EphemeralContainer.class, Set.of("name", "image"));
        for (Class<?> spec : List.of(
                DeploymentSpec.class,
                StatefulSetSpec.class,
                DaemonSetSpec.class,
                ReplicationControllerSpec.class,
                JobSpec.class)) {
            read.put(spec, Set.of("template"));
        }
        read.put(ReplicaSetSpec.class, Set.of("template", "replicas"));
        read.put(CronJobSpec.class, Set.of("jobTemplate"));
        read.put(Node.class, Set.of("apiVersion", "kind", "metadata", "status"));
        read.put(NodeStatus.class, Set.of("nodeInfo"));
        read.put(Namespace.class, Set.of("apiVersion", "kind", "metadata"));
        return Map.copyOf(read);
    }

    private ReadFields() {}

    /** The module, for {@code ObjectMapper.registerModule}. */
    public static Module module() {
        return new SimpleModule("imagesize-read-fields").setDeserializerModifier(new Modifier());
    }

    /** Of the classes named, the properties read; every other field in their JSON is skipped, not kept aside. */
    private static final class Modifier extends BeanDeserializerModifier {
        @Override
        public List<BeanPropertyDefinition> updateProperties(
                DeserializationConfig config, BeanDescription description, List<BeanPropertyDefinition> properties) {
            Set<String> read = READ.get(description.getBeanClass());
            if (read == null) {
                return properties;
            }
            List<BeanPropertyDefinition> kept = new ArrayList<>();
            for (BeanPropertyDefinition property : properties) {
                if (read.contains(property.getName())) {
                    kept.add(property);
                }
            }
            return kept;
        }

        @Override
        public BeanDeserializerBuilder updateBuilder(
                DeserializationConfig config, BeanDescription description, BeanDeserializerBuilder builder) {
            Set<String> read = READ.get(description.getBeanClass());
            if (read != null) {
                for (BeanPropertyDefinition property : description.findProperties()) {
                    if (!read.contains(property.getName())) {
                        // ignorable, not only unbound: an unbound one would go to the additionalProperties map
                        builder.addIgnorable(property.getName());
                    }
                }
            }
            return builder;
        }
    }
}
