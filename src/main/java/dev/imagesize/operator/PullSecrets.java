package dev.imagesize.operator;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.imagesize.Config;
import dev.imagesize.registry.DockerConfig;
import dev.imagesize.workload.Workload;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Registry credentials for a workload, as the kubelet would use them: the pod's imagePullSecrets and its
 * ServiceAccount's, read from the workload's own namespace only, then the operator-wide pull secrets. Secrets are read
 * on demand and cached for a minute, so the operator never watches every Secret of the cluster.
 */
@Singleton
public class PullSecrets {
    private static final Logger LOG = Logger.getLogger(PullSecrets.class);
    private static final Duration TTL = Duration.ofMinutes(1);

    private final KubernetesClient client;
    private final List<String> operatorSecrets;
    private final Cache<String, Optional<DockerConfig>> secrets =
            Caffeine.newBuilder().expireAfterWrite(TTL).maximumSize(10_000).build();
    private final Cache<String, List<String>> serviceAccounts =
            Caffeine.newBuilder().expireAfterWrite(TTL).maximumSize(10_000).build();

    PullSecrets(KubernetesClient client, Config config) {
        this.client = client;
        this.operatorSecrets = config.registry().pullSecrets().orElse(List.of());
    }

    /** Every credential that applies to {@code workload}, most specific source first. */
    public DockerConfig forWorkload(Workload workload) {
        Set<String> names = new LinkedHashSet<>(workload.imagePullSecrets());
        names.addAll(serviceAccountPullSecrets(workload.namespace(), workload.serviceAccountName()));
        DockerConfig merged = DockerConfig.empty();
        for (String name : names) {
            merged = merged.merge(secret(workload.namespace(), name).orElse(DockerConfig.empty()));
        }
        for (String qualified : operatorSecrets) {
            int slash = qualified.indexOf('/');
            if (slash > 0) {
                merged = merged.merge(secret(qualified.substring(0, slash), qualified.substring(slash + 1))
                        .orElse(DockerConfig.empty()));
            }
        }
        return merged;
    }

    private List<String> serviceAccountPullSecrets(String namespace, String serviceAccount) {
        return serviceAccounts.get(namespace + "/" + serviceAccount, key -> {
            try {
                ServiceAccount account = client.serviceAccounts()
                        .inNamespace(namespace)
                        .withName(serviceAccount)
                        .get();
                if (account == null || account.getImagePullSecrets() == null) {
                    return List.of();
                }
                List<String> names = new ArrayList<>();
                for (LocalObjectReference ref : account.getImagePullSecrets()) {
                    if (ref.getName() != null) {
                        names.add(ref.getName());
                    }
                }
                return names;
            } catch (KubernetesClientException e) {
                LOG.debugf("cannot read ServiceAccount %s: %s", key, e.getMessage());
                return List.of();
            }
        });
    }

    private Optional<DockerConfig> secret(String namespace, String name) {
        return secrets.get(namespace + "/" + name, key -> {
            try {
                Secret secret =
                        client.secrets().inNamespace(namespace).withName(name).get();
                if (secret == null || secret.getData() == null) {
                    return Optional.empty();
                }
                String data = secret.getData()
                        .getOrDefault(".dockerconfigjson", secret.getData().get(".dockercfg"));
                if (data == null) {
                    return Optional.empty();
                }
                return Optional.of(
                        DockerConfig.parse(new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8)));
            } catch (KubernetesClientException | IllegalArgumentException e) {
                // the message names the Secret and the problem, never its content
                LOG.warnf("ignoring pull secret %s: %s", key, e.getMessage());
                return Optional.empty();
            }
        });
    }
}
