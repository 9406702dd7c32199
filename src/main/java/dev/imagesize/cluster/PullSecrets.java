package dev.imagesize.cluster;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.imagesize.Deadline;
import dev.imagesize.assessment.CredentialSource;
import dev.imagesize.assessment.Credentials;
import dev.imagesize.registry.DockerConfig;
import dev.imagesize.workload.Workload;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Registry credentials for workloads, as the kubelet uses them: the pod's imagePullSecrets and its ServiceAccount's,
 * read from the workload's own namespace only, then the operator-wide pull secrets; only Secrets of type
 * kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg count. Reads are GETs on demand (never a watch of every
 * Secret), shared by concurrent callers, bounded by the caller's deadline: what is not read in time is left out, named
 * in the result's notes, and still fills the cache for the next caller. A Secret that exists is remembered for
 * {@code ttl}; one that is missing or unusable only briefly; a failed read not at all.
 */
public final class PullSecrets implements CredentialSource {
    private static final Logger LOG = Logger.getLogger(PullSecrets.class);
    static final String DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";
    static final String DOCKER_CFG = "kubernetes.io/dockercfg";

    /** What one Secret name gave: credentials, or why there are none (never the content). */
    record SecretValue(DockerConfig config, String problem) {}

    private final KubernetesClient client;
    private final List<String> operatorSecrets;
    private final int maxPerWorkload;
    private final AsyncCache<String, SecretValue> secrets;
    private final AsyncCache<String, List<String>> serviceAccounts;
    private final Executor executor;

    /**
     * @param operatorSecrets {@code namespace/name} of Secrets used for every workload after its own
     * @param maxPerWorkload pull secrets read per workload at most (its own and its ServiceAccount's)
     * @param ttl how long a Secret or ServiceAccount that was read is trusted
     * @param negativeTtl how long a missing or unusable one is remembered
     */
    public PullSecrets(
            KubernetesClient client,
            List<String> operatorSecrets,
            int maxPerWorkload,
            Duration ttl,
            Duration negativeTtl,
            Executor executor) {
        this.client = client;
        this.operatorSecrets = List.copyOf(operatorSecrets);
        this.maxPerWorkload = maxPerWorkload;
        this.executor = executor;
        this.secrets = Caffeine.newBuilder()
                .maximumSize(10_000)
                .executor(executor)
                .expireAfter(new Expiry<String, SecretValue>() {
                    @Override
                    public long expireAfterCreate(String key, SecretValue value, long currentTime) {
                        return (value.config() != null ? ttl : negativeTtl).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, SecretValue value, long currentTime, long duration) {
                        return expireAfterCreate(key, value, currentTime);
                    }

                    @Override
                    public long expireAfterRead(String key, SecretValue value, long currentTime, long duration) {
                        return duration;
                    }
                })
                .buildAsync();
        this.serviceAccounts = Caffeine.newBuilder()
                .maximumSize(10_000)
                .executor(executor)
                .expireAfterWrite(ttl)
                .buildAsync();
    }

    @Override
    public List<Credentials> forWorkloads(List<Workload> workloads, Deadline until) {
        List<CompletableFuture<List<String>>> accounts = new ArrayList<>(workloads.size());
        for (Workload workload : workloads) {
            accounts.add(serviceAccount(workload.namespace(), workload.serviceAccountName()));
        }
        List<Map<String, CompletableFuture<SecretValue>>> reads = new ArrayList<>(workloads.size());
        for (Workload workload : workloads) {
            reads.add(startReads(workload.namespace(), workload.imagePullSecrets()));
        }
        await(accounts, until);
        List<List<String>> notes = new ArrayList<>();
        for (int i = 0; i < workloads.size(); i++) {
            Workload workload = workloads.get(i);
            List<String> workloadNotes = new ArrayList<>();
            CompletableFuture<List<String>> account = accounts.get(i);
            List<String> fromAccount = List.of();
            if (account.isDone() && !account.isCompletedExceptionally()) {
                fromAccount = account.join();
            } else {
                workloadNotes.add("ServiceAccount " + workload.namespace() + "/" + workload.serviceAccountName()
                        + (account.isDone() ? " could not be read" : " was not read in time")
                        + "; its pull secrets were not used");
            }
            Set<String> names = new LinkedHashSet<>(workload.imagePullSecrets());
            names.addAll(fromAccount);
            if (names.size() > maxPerWorkload) {
                workloadNotes.add(
                        "only the first " + maxPerWorkload + " of " + names.size() + " pull secrets were used");
            }
            List<String> capped = names.stream().limit(maxPerWorkload).toList();
            reads.get(i).keySet().retainAll(capped);
            reads.get(i).putAll(startReads(workload.namespace(), capped));
            notes.add(workloadNotes);
        }
        Map<String, CompletableFuture<SecretValue>> shared = new LinkedHashMap<>();
        for (String qualified : operatorSecrets) {
            int slash = qualified.indexOf('/');
            if (slash > 0) {
                shared.put(qualified, secret(qualified.substring(0, slash), qualified.substring(slash + 1)));
            }
        }
        List<CompletableFuture<?>> all = new ArrayList<>(shared.values());
        reads.forEach(map -> all.addAll(map.values()));
        await(all, until);

        List<Credentials> result = new ArrayList<>(workloads.size());
        for (int i = 0; i < workloads.size(); i++) {
            Workload workload = workloads.get(i);
            DockerConfig merged = DockerConfig.empty();
            List<String> workloadNotes = notes.get(i);
            for (Map.Entry<String, CompletableFuture<SecretValue>> read :
                    reads.get(i).entrySet()) {
                merged = merged.merge(
                        collect(workload.namespace() + "/" + read.getKey(), read.getValue(), workloadNotes));
            }
            for (Map.Entry<String, CompletableFuture<SecretValue>> read : shared.entrySet()) {
                merged = merged.merge(collect(read.getKey(), read.getValue(), workloadNotes));
            }
            result.add(new Credentials(merged, workloadNotes));
        }
        return result;
    }

    private Map<String, CompletableFuture<SecretValue>> startReads(String namespace, List<String> names) {
        Map<String, CompletableFuture<SecretValue>> reads = new LinkedHashMap<>();
        names.stream().limit(maxPerWorkload).forEach(name -> reads.put(name, secret(namespace, name)));
        return reads;
    }

    private static DockerConfig collect(String name, CompletableFuture<SecretValue> read, List<String> notes) {
        if (!read.isDone()) {
            notes.add("pull secret " + name + " was not read in time; continued without it");
            return DockerConfig.empty();
        }
        if (read.isCompletedExceptionally()) {
            notes.add("pull secret " + name + " could not be read; continued without it");
            return DockerConfig.empty();
        }
        SecretValue value = read.join();
        if (value.config() == null) {
            if (value.problem() != null) {
                notes.add("pull secret " + name + " " + value.problem());
            }
            return DockerConfig.empty();
        }
        return value.config();
    }

    private static void await(List<? extends CompletableFuture<?>> futures, Deadline until) {
        if (futures.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(until.remaining().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the callers look at each future: late ones are left out and named, failed ones named
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CompletableFuture<List<String>> serviceAccount(String namespace, String name) {
        return serviceAccounts.get(
                namespace + "/" + name,
                (key, ignored) -> CompletableFuture.supplyAsync(
                        () -> {
                            ServiceAccount account = client.serviceAccounts()
                                    .inNamespace(namespace)
                                    .withName(name)
                                    .get();
                            if (account == null || account.getImagePullSecrets() == null) {
                                return List.of();
                            }
                            List<String> names = new ArrayList<>();
                            for (LocalObjectReference ref : account.getImagePullSecrets()) {
                                if (ref.getName() != null && !ref.getName().isEmpty()) {
                                    names.add(ref.getName());
                                }
                            }
                            return List.copyOf(names);
                        },
                        executor));
    }

    private CompletableFuture<SecretValue> secret(String namespace, String name) {
        return secrets.get(
                namespace + "/" + name,
                (key, ignored) -> CompletableFuture.supplyAsync(
                        () -> {
                            Secret secret;
                            try {
                                secret = client.secrets()
                                        .inNamespace(namespace)
                                        .withName(name)
                                        .get();
                            } catch (KubernetesClientException e) {
                                // not cached (a failed future leaves the cache): the next review asks again
                                LOG.debugf("cannot read pull secret %s: %s", key, e.getMessage());
                                throw e;
                            }
                            return parse(secret);
                        },
                        executor));
    }

    /** The credentials of a Secret the kubelet would use, or why it would not. */
    static SecretValue parse(Secret secret) {
        if (secret == null) {
            return new SecretValue(null, "does not exist");
        }
        String key;
        if (DOCKER_CONFIG_JSON.equals(secret.getType())) {
            key = ".dockerconfigjson";
        } else if (DOCKER_CFG.equals(secret.getType())) {
            key = ".dockercfg";
        } else {
            return new SecretValue(
                    null,
                    "is of type " + secret.getType() + " and was ignored (the kubelet uses only " + DOCKER_CONFIG_JSON
                            + " and " + DOCKER_CFG + ")");
        }
        String data = secret.getData() == null ? null : secret.getData().get(key);
        if (data == null) {
            return new SecretValue(null, "has no " + key + " entry");
        }
        try {
            return new SecretValue(
                    DockerConfig.parse(new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8)), null);
        } catch (IllegalArgumentException e) {
            // the message names the entry and the problem, never the content
            return new SecretValue(null, "cannot be used: " + e.getMessage());
        }
    }
}
