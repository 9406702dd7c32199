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

    /** How the resolver talks to registries. */
    interface Registry {
        /** How long a tag's digest is trusted before asking the registry again. */
        @WithDefault("5m")
        Duration tagTtl();

        /** How long a failed lookup is remembered (429 answers use their Retry-After). */
        @WithDefault("10s")
        Duration failureTtl();

        /** Bound on cached manifests. */
        @WithDefault("10000")
        long maxCachedManifests();

        /** Requests in flight to one registry at most. */
        @WithDefault("8")
        int perRegistryConcurrency();

        /** Connect and read timeout of one registry request. */
        @WithDefault("10s")
        Duration httpTimeout();

        /** Background lookup threads. */
        @WithDefault("32")
        int threads();

        /** Registries ({@code host:port}) reached over plain HTTP or unverified TLS. */
        Optional<Set<String>> insecureRegistries();

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
