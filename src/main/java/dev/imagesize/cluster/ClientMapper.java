package dev.imagesize.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.workload.ReadFields;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;

/** The Kubernetes client's mapper reads only the fields the operator uses of workloads, Nodes and Namespaces. */
@Singleton
public class ClientMapper implements KubernetesClientObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(ReadFields.module());
    }
}
