package dev.imagesize;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The operator's configuration ({@code imagesize.*} in application.properties, or IMAGESIZE_* variables). */
@ConfigMapping(prefix = "imagesize")
public interface Config {

    Registry registry();

    Audit audit();

    Webhook webhook();

    LeaderElection leaderElection();

    /** Reconcilers run on one replica at a time (a Lease); every replica serves the webhook. */
    interface LeaderElection {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("image-size-operator-leader")
        String leaseName();

        /** Namespace of the Lease (default: the operator's namespace, from POD_NAMESPACE, else the kubeconfig's). */
        Optional<String> leaseNamespace();
    }

    /** The validating admission webhook: HTTPS only, on its own port. */
    interface Webhook {
        /** Serve /validate at all. */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("8443")
        int port();

        @WithDefault("0.0.0.0")
        String host();

        /** Answer every review within this time; keep it well under the webhook's timeoutSeconds. */
        @WithDefault("2500ms")
        Duration deadline();

        /** Larger AdmissionReview bodies are refused with a 400. */
        @WithDefault("8388608")
        int maxBodyBytes();

        Tls tls();

        /** Where the serving certificate comes from. */
        interface Tls {
            /**
             * {@code files}: PEM files (a mounted Secret from cert-manager or Helm), reloaded when they change;
             * {@code self-managed}: the operator keeps a CA and certificate in a Secret and the caBundle current.
             */
            @WithDefault("files")
            String mode();

            @WithDefault("/etc/image-size-operator/tls/tls.crt")
            String certFile();

            @WithDefault("/etc/image-size-operator/tls/tls.key")
            String keyFile();

            /** How often certificate files (or the self-managed Secret) are checked for changes. */
            @WithDefault("30s")
            Duration reloadInterval();

            /** Self-managed: namespace of the Secret (default: the operator's namespace, from POD_NAMESPACE). */
            Optional<String> secretNamespace();

            @WithDefault("image-size-operator-webhook-tls")
            String secretName();

            /** Self-managed: DNS names of the webhook Service the certificate must carry. */
            @WithDefault("image-size-operator-webhook.image-size-operator.svc")
            List<String> dnsNames();

            /** Self-managed: the ValidatingWebhookConfiguration whose caBundle the operator keeps current. */
            @WithDefault("image-size-operator")
            String webhookConfiguration();
        }
    }

    /** How the resolver talks to registries (see ResolverConfig for what each bound does). */
    interface Registry {
        /** How long a tag's digest is trusted before the registry is asked again (a HEAD of the manifest). */
        @WithDefault("10m")
        Duration tagTtl();

        /** How long a tag's last known digest is still used, marked stale, while its registry cannot answer. */
        @WithDefault("24h")
        Duration staleIfError();

        /** How long a failed lookup is remembered (429 answers use their Retry-After, up to 5 minutes). */
        @WithDefault("10s")
        Duration failureTtl();

        /**
         * Bound on cached manifests: one per manifest plus one per layer or index entry (tags and config platforms: a
         * fifth of it each).
         */
        @WithDefault("50000")
        long cacheWeight();

        /** Requests in flight to one registry at most; audit lookups hold at most half of them. */
        @WithDefault("8")
        int perRegistryConcurrency();

        /** Connect timeout, and the total time of one registry request before its connection is closed. */
        @WithDefault("10s")
        Duration httpTimeout();

        /** The most a lookup goes on after its callers stopped waiting (it fills the cache). */
        @WithDefault("30s")
        Duration lookupTimeout();

        /** Distinct uncached images one admission review may look up; more are answered as overloaded. */
        @WithDefault("64")
        int maxImagesPerRequest();

        /** Manifest and config requests one index lookup may make. */
        @WithDefault("32")
        int maxIndexChildren();

        /** Threads parsing registry answers for admission lookups (waiting for a registry takes no thread). */
        @WithDefault("4")
        int admissionThreads();

        /** Threads parsing registry answers for audit lookups. */
        @WithDefault("2")
        int auditThreads();

        /** Admission lookups waiting for registries at most; more are answered as overloaded at once. */
        @WithDefault("1000")
        int maxPendingAdmission();

        /** Audit lookups waiting for registries at most. */
        @WithDefault("10000")
        int maxPendingAudit();

        /** Registries ({@code host:port}) reached with unverified TLS, or plain HTTP. */
        Optional<Set<String>> insecureRegistries();

        /**
         * Insecure registries to which pull-secret credentials may be sent over plain HTTP (each must also be in
         * insecure-registries); a warning is logged when they are.
         */
        Optional<Set<String>> plainHttpCredentials();

        /** PEM files of CAs trusted for registries besides the JVM's (a mounted ConfigMap or Secret). */
        Optional<List<String>> caFiles();

        /**
         * Networks (CIDR) no registry host, redirect or token realm may resolve to; {@code none} for none. The default is
         * the link-local range, which holds cloud metadata endpoints, and two metadata addresses outside it.
         */
        @WithDefault("169.254.0.0/16,fe80::/10,fd00:ec2::254/128,100.100.100.200/32")
        List<String> blockedNetworks();

        /**
         * Operator-wide pull secrets ({@code namespace/name} of kubernetes.io/dockerconfigjson Secrets), used for
         * every workload after the workload's own.
         */
        Optional<List<String>> pullSecrets();
    }

    /** The audit of running workloads. */
    interface Audit {
        /** How often every policy is re-evaluated even without changes (tags move). */
        @WithDefault("5m")
        Duration interval();

        /** Deadline of one audit's registry lookups. */
        @WithDefault("60s")
        Duration lookupTimeout();
    }
}
