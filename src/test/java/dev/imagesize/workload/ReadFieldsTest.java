package dev.imagesize.workload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagesize.cluster.ClientMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the lean binding reads of workloads, Nodes and Namespaces: all the operator uses, and nothing else. */
class ReadFieldsTest {
    private static final ObjectMapper WHOLE =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final ObjectMapper LEAN = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .registerModule(ReadFields.module());

    /** A pod spec with a field of nearly every shape a real one has, around what the operator reads. */
    private static final String POD_SPEC = """
            {"containers": [{"name": "app", "image": "reg.io/web:1", "args": ["--port", "8080"],
                             "env": [{"name": "X", "value": "y"}],
                             "resources": {"limits": {"memory": "1Gi"}},
                             "readinessProbe": {"httpGet": {"path": "/q/health", "port": 8080}},
                             "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
             "initContainers": [{"name": "init", "image": "reg.io/init:1", "command": ["sh"]}],
             "ephemeralContainers": [{"name": "debug", "image": "busybox", "targetContainerName": "app"}],
             "imagePullSecrets": [{"name": "regcred"}],
             "serviceAccountName": "web",
             "nodeName": "node-1",
             "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                 {"nodeSelectorTerms": [{"matchExpressions":
                     [{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]}]}}},
             "tolerations": [{"key": "k", "operator": "Exists"}],
             "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
                         {"name": "cfg", "configMap": {"name": "cfg"}}],
             "securityContext": {"runAsNonRoot": true}}
            """;

    /** An object of {@code kind} with {@link #POD_SPEC} where the kind keeps its pod spec, and fields around it. */
    private static ObjectNode object(WorkloadKind kind) throws Exception {
        ObjectNode object = (ObjectNode) WHOLE.readTree("""
                {"metadata": {"name": "web", "namespace": "shop", "uid": "u1", "labels": {"app": "web"},
                              "annotations": {"imagesize.dev/verdict": "Compliant"},
                              "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1",
                                                   "uid": "rs", "controller": true}],
                              "managedFields": [{"manager": "kubectl", "operation": "Apply"}]},
                 "status": {"phase": "Running", "replicas": 3, "conditions": [{"type": "Ready", "status": "True"}]}}
                """);
        object.put("apiVersion", kind.apiVersion());
        object.put("kind", kind.kind());
        ObjectNode at = object;
        String[] path = kind.podSpecPath().split("\\.");
        for (int i = 0; i < path.length - 1; i++) {
            at = at.putObject(path[i]);
            if (path[i].equals("template")) {
                at.putObject("metadata").putObject("labels").put("app", "web");
            } else {
                at.put("replicas", 0);
                at.put("minReadySeconds", 5);
            }
        }
        at.set(path[path.length - 1], WHOLE.readTree(POD_SPEC));
        return object;
    }

    @ParameterizedTest
    @EnumSource(WorkloadKind.class)
    void everyKindReadsAsTheSameWorkload(WorkloadKind kind) throws Exception {
        ObjectNode json = object(kind);
        HasMetadata whole = WHOLE.treeToValue(json, kind.type());
        HasMetadata lean = LEAN.treeToValue(json, kind.type());

        assertThat(Workloads.of(lean)).isPresent().isEqualTo(Workloads.of(whole));
        assertThat(Workloads.images(Workloads.podSpec(lean)))
                .containsExactly("reg.io/init:1", "reg.io/web:1", "busybox")
                .isEqualTo(Workloads.images(Workloads.podSpec(whole)));
        assertThat(Workloads.checkedController(lean)).isEqualTo(Workloads.checkedController(whole));
        assertThat(lean.getMetadata()).isEqualTo(whole.getMetadata());

        PodSpec spec = Workloads.podSpec(lean);
        assertThat(spec.getVolumes()).isEmpty();
        assertThat(spec.getAffinity()).isNull();
        assertThat(spec.getNodeName()).isNull();
        assertThat(spec.getContainers().get(0).getResources()).isNull();
        assertThat(spec.getContainers().get(0).getEnv()).isEmpty();
        // skipped, not kept aside as unknown fields
        assertThat(spec.getAdditionalProperties()).isEmpty();
        assertThat(spec.getContainers().get(0).getAdditionalProperties()).isEmpty();
        assertThat(WHOLE.valueToTree(lean).has("status")).isFalse();
    }

    @Test
    void aScaledDownReplicaSetStillReadsAsScaledDown() throws Exception {
        ReplicaSet lean = LEAN.treeToValue(object(WorkloadKind.REPLICA_SET), ReplicaSet.class);

        assertThat(lean.getSpec().getReplicas()).isZero();
        assertThat(lean.getSpec().getMinReadySeconds()).isNull();
        assertThat(lean.getStatus()).isNull();
    }

    @Test
    void aNodeKeepsItsPlatformAndANamespaceItsLabels() throws Exception {
        String nodeJson = """
                {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"zone": "a"}},
                 "spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]},
                 "status": {"nodeInfo": {"operatingSystem": "linux", "architecture": "arm64"},
                            "images": [{"names": ["reg.io/web:1"], "sizeBytes": 100}],
                            "conditions": [{"type": "Ready", "status": "True"}]}}
                """;
        Node node = LEAN.readValue(nodeJson, Node.class);
        assertThat(node.getStatus().getNodeInfo())
                .isEqualTo(WHOLE.readValue(nodeJson, Node.class).getStatus().getNodeInfo());
        assertThat(node.getMetadata().getLabels()).containsEntry("zone", "a");
        assertThat(node.getStatus().getImages()).isEmpty();
        assertThat(node.getSpec()).isNull();

        Namespace namespace = LEAN.readValue("""
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"team": "a"}},
                 "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
                """, Namespace.class);
        assertThat(namespace.getMetadata().getLabels()).containsEntry("team", "a");
        assertThat(namespace.getSpec()).isNull();
    }

    @Test
    void writingIsWhole() throws Exception {
        Pod pod = new PodBuilder()
                .withNewSpec()
                .withNodeName("node-1")
                .addNewVolume()
                .withName("data")
                .withNewEmptyDir()
                .endEmptyDir()
                .endVolume()
                .endSpec()
                .build();

        String written = LEAN.writeValueAsString(pod);

        assertThat(WHOLE.readValue(written, Pod.class)).isEqualTo(pod);
    }

    @Test
    void theKubernetesClientsMapperReadsLean() throws Exception {
        ObjectMapper mapper = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        new ClientMapper().customize(mapper);

        Pod pod = mapper.treeToValue(object(WorkloadKind.POD), Pod.class);

        assertThat(pod.getSpec().getVolumes()).isEmpty();
        assertThat(Workloads.of(pod)).isEqualTo(Workloads.of(WHOLE.treeToValue(object(WorkloadKind.POD), Pod.class)));
    }
}
