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

    /**
     * What this process runs: {@code operator} (the webhook, the leader-elected audit, reconcilers and reports; with
     * the analysis on it queues analyses but never runs one) or {@code analyzer} (only the image analysis, on every
     * replica at once; needs {@code imagesize.analysis.enabled}).
     */
    @WithDefault("operator")
    Role role();

    /** The process roles of {@link #role()}. */
    enum Role {
        OPERATOR,
        ANALYZER
    }

    Registry registry();

    Audit audit();

    Webhook webhook();

    LeaderElection leaderElection();

    Policies policies();

    PullSecrets pullSecrets();

    Assessment assessment();

    Analysis analysis();

    /** The content analysis of images (layers read from registries), by the processes of the analyzer role. */
    interface Analysis {
        /** Whether the images of governed workloads and of admission misses are queued (operator) and analysed (analyzer). */
        @WithDefault("false")
        boolean enabled();

        /** Images analysed at once by one analyzer replica. */
        @WithDefault("1")
        int concurrency();

        /** Layers of one image read at once. */
        @WithDefault("2")
        int parallelLayers();

        /** Images whose layers add up to more compressed bytes than this are not analysed (Failed, not retried). */
        @WithDefault("4294967296")
        long maxImageBytes();

        /** Weight of the per-replica layer index cache, in bytes (layers shared by images are read once). */
        @WithDefault("67108864")
        long cacheBytes();

        /** Time for one image, all layers. */
        @WithDefault("30m")
        Duration timeout();

        /** A failed analysis that may succeed later (the registry was unreachable) is tried again after this. */
        @WithDefault("10m")
        Duration retryAfter();

        /**
         * How long an analyzer's claim on an image lasts without renewal; the analyzer renews it every third of this
         * while it works, and another analyzer takes over a claim not renewed in time (its holder stopped).
         */
        @WithDefault("60s")
        Duration claimDuration();

        /** Analyses tried per digest before it stays Failed. */
        @WithDefault("3")
        int maxAttempts();

        /** Admission misses remembered per replica until published as Pending ImageAnalysis objects. */
        @WithDefault("1000")
        int maxAdmissionMisses();

        /**
         * An analysis no governed workload referenced for this long is deleted (the imagesize.dev/ttl annotation
         * overrides it per object).
         */
        @WithDefault("168h")
        Duration ttl();

        /** How often the leader records which analyses are referenced and deletes the old ones. */
        @WithDefault("1h")
        Duration sweepInterval();

        /**
         * A base-image catalog file (YAML, the format of the shipped one, as {@code imagesize analyze --base-catalog}
         * reads it), searched before the shipped catalog: the organisation's own bases and their smaller alternatives.
         * A file that cannot be read is logged as an error and the shipped catalog is used alone.
         */
        Optional<String> baseCatalog();
    }

    Reports reports();

    /**
     * The audit's results as PolicyReports (wgpolicyk8s.io/v1alpha2) or Reports (openreports.io/v1alpha1), where
     * Policy Reporter and other dashboards read them. The operator never installs those CRDs.
     */
    interface Reports {
        /**
         * {@code off}; {@code wgpolicyk8s} (PolicyReport, ClusterPolicyReport); {@code openreports} (Report,
         * ClusterReport); {@code auto}: whichever of them the cluster serves, openreports.io when it serves both.
         */
        @WithDefault("off")
        String mode();

        /**
         * How often the leader asks the API server's discovery which report APIs it serves, so that reports start when
         * their CRDs are installed (and, in auto mode, move to openreports.io when it appears).
         */
        @WithDefault("1m")
        Duration discoveryInterval();

        /**
         * Largest report written, in bytes of JSON (etcd refuses requests over 1.5 MiB): a namespace whose results need
         * more is split into parts.
         */
        @WithDefault("1000000")
        int maxReportBytes();

        /**
         * Parts one namespace's report is split into at most; results that fit in none are left out, passes first
         * and failures last, and the report says how many.
         */
        @WithDefault("16")
        int maxParts();
    }

    /** What the operator does with policies it cannot use. */
    interface Policies {
        /**
         * An Enforce policy that does not compile (undecodable, out of range) denies the workloads it would govern,
         * with a message naming it, instead of letting them through unchecked.
         */
        @WithDefault("true")
        boolean failClosed();
    }

    /** How pull secrets are read (GETs on demand, within each review's deadline). */
    interface PullSecrets {
        /** Pull secrets read per workload at most (its own and its ServiceAccount's); further ones are ignored. */
        @WithDefault("16")
        int maxPerWorkload();

        /** How long a Secret or ServiceAccount that was read is trusted. */
        @WithDefault("1m")
        Duration ttl();

        /** How long a missing or unusable Secret is remembered; a failed read is not remembered at all. */
        @WithDefault("5s")
        Duration negativeTtl();

        /** Threads reading Secrets and ServiceAccounts. */
        @WithDefault("8")
        int threads();
    }

    /** The assessment shared by the webhook, the audit and the CLI. */
    interface Assessment {
        /** Containers checked per workload at most; further ones are UNKNOWN and onResolveError decides. */
        @WithDefault("100")
        int maxContainers();
    }

    /** Reconcilers run on one replica at a time (a Lease); every replica serves the webhook. */
    interface LeaderElection {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("image-size-operator-leader")
        String leaseName();

        /** Namespace of the Lease (default: the operator's namespace, from POD_NAMESPACE, else the kubeconfig's). */
        Optional<String> leaseNamespace();

        /**
         * This replica's name in the Lease, in Events (reportingInstance) and in managedFields (default: POD_NAME,
         * else host name and process id).
         */
        Optional<String> identity();

        /** How long a Lease is valid without renewal; a follower takes over at most this long after a leader dies. */
        @WithDefault("15s")
        Duration leaseDuration();

        /** A leader that cannot renew within this time stops leading (the audit and reconcilers stop). */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often followers try to acquire, and leaders renew, the Lease. */
        @WithDefault("2s")
        Duration retryPeriod();
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

        /**
         * Answer every review within this time of its arrival; keep it well under the webhook's timeoutSeconds. The
         * API server's own timeout (its {@code ?timeout=} parameter) shortens it when that is nearer.
         */
        @WithDefault("2500ms")
        Duration deadline();

        /**
         * Kept free before the API server's {@code ?timeout=} (at most half of it): a review is answered by that
         * timeout minus this margin when that comes before {@link #deadline}, so the answer reaches the API server
         * before it gives up and failurePolicy decides instead.
         */
        @WithDefault("1s")
        Duration timeoutMargin();

        /** Larger AdmissionReview bodies are refused with a 400. */
        @WithDefault("8388608")
        int maxBodyBytes();

        Tls tls();

        Limits limits();

        /**
         * What one replica accepts at once, so that no peer of the cluster network can exhaust it (connections, memory,
         * threads), and how it answers beyond that.
         */
        interface Limits {
            /**
             * Open connections at most. At the cap, a new connection closes the oldest one waiting for a request (an
             * idle keep-alive or a peer that sends nothing); only when every connection is mid-request is the new one
             * refused.
             */
            @WithDefault("1000")
            int maxConnections();

            /**
             * A connection whose request line and headers are not complete within this time of its opening (or of its
             * last answer) is closed: slow or silent peers cannot hold connections.
             */
            @WithDefault("10s")
            Duration headerTimeout();

            /**
             * A connection with no traffic either way for this long is closed. Longer than the API server keeps an
             * idle connection to a webhook (90 s, Go's default): a server that closes first races the API server's
             * next request on that connection, which then fails and leaves the review to the failurePolicy.
             */
            @WithDefault("120s")
            Duration idleTimeout();

            /**
             * Request bodies held in memory across all requests at once, in bytes; a request beyond it gets 503 at once.
             * Default: an eighth of the maximum heap (16 MiB at -Xmx128m), room for two 8 MiB bodies being parsed.
             */
            Optional<Long> maxInflightBodyBytes();

            /** Threads answering reviews. */
            @WithDefault("64")
            int workers();

            /**
             * Reviews waiting for a worker at most. Beyond it a review is answered at once without registry lookups:
             * from cached sizes, else as each governing policy's onResolveError says (allowed with a warning unless it
             * says Deny); when even that cannot start, allowed with a warning.
             */
            @WithDefault("256")
            int queueCapacity();
        }

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

            /** TLS versions served; nothing older than 1.2. */
            @WithDefault("TLSv1.3,TLSv1.2")
            List<String> protocols();

            /**
             * Cipher suites served: AEAD suites with forward secrecy only (TLS 1.3's, and ECDHE with AES-GCM or
             * ChaCha20-Poly1305 for TLS 1.2), which the API server's Go client offers.
             */
            @WithDefault("TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,"
                    + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,"
                    + "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
                    + "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")
            List<String> cipherSuites();

            /** A TLS handshake not complete within this time closes the connection. */
            @WithDefault("10s")
            Duration handshakeTimeout();

            /**
             * PEM file of the CA whose client certificates may call the webhook. When set, every caller must present
             * one (the API server does through its AdmissionConfiguration kubeconfig), and no other peer gets past the
             * handshake. Re-read with the serving certificate.
             */
            Optional<String> clientCaFile();
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

        /** Objects per page when the audit's informers list workloads (bounds the memory of the first list). */
        @WithDefault("500")
        long listPageSize();

        /**
         * A workload whose audit failed is retried after this, doubling up to the interval; the others go on.
         */
        @WithDefault("5s")
        Duration errorBackoff();

        /** A repeated violation moves its Event's count and lastTimestamp at most this often. */
        @WithDefault("5m")
        Duration eventRepeatInterval();

        /** Threads writing verdicts (annotations, Events) to the API server. */
        @WithDefault("4")
        int writers();

        /**
         * Workload containers whose image size the audit exports at most ({@code imagesize_workload_image_bytes} and
         * {@code imagesize_workload_image_previous_bytes}, one series each); beyond it the rest are counted in
         * {@code imagesize_workload_image_unexported}.
         */
        @WithDefault("10000")
        int maxSizeSeries();
    }
}
