package dev.imagesize.admission;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The self-managed certificate mode: the operator keeps a CA (ten years) and a serving certificate it signs (one year)
 * in a Secret, and keeps the ValidatingWebhookConfiguration's caBundle equal to the Secret's trust bundle. Renewals
 * never leave a moment where the API server distrusts what a replica serves: a serving certificate is renewed under
 * the same CA (the bundle does not change); a CA within 400 days of its end is replaced by a new one put in the bundle
 * before the old one, which stays trusted until it expires, and the first certificate the new CA signs is served only
 * once the CA is {@link #OVERLAP} old (every replica has written the bundle by then: they check each reload interval),
 * or at once when the old certificate no longer works. Every replica runs it; they converge on whichever Secret was
 * written first.
 */
public final class SelfManagedCertificates {
    private static final Logger LOG = Logger.getLogger(SelfManagedCertificates.class);
    static final Duration VALIDITY = Duration.ofDays(365);
    static final Duration RENEW_BEFORE = Duration.ofDays(30);
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    /** Longer than a serving certificate lives, so none outlives the CA that signed it. */
    static final Duration CA_RENEW_BEFORE = Duration.ofDays(400);
    /** How long a new CA is in the caBundle before a certificate it signed is served (API servers see it by then). */
    static final Duration OVERLAP = Duration.ofMinutes(10);

    private final KubernetesClient client;
    private final String namespace;
    private final String secretName;
    private final List<String> dnsNames;
    private final String webhookConfiguration;
    private final Clock clock;

    public SelfManagedCertificates(
            KubernetesClient client,
            String namespace,
            String secretName,
            List<String> dnsNames,
            String webhookConfiguration) {
        this(client, namespace, secretName, dnsNames, webhookConfiguration, Clock.systemUTC());
    }

    SelfManagedCertificates(
            KubernetesClient client,
            String namespace,
            String secretName,
            List<String> dnsNames,
            String webhookConfiguration,
            Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.secretName = secretName;
        this.dnsNames = List.copyOf(dnsNames);
        this.webhookConfiguration = webhookConfiguration;
        this.clock = clock;
    }

    /**
     * The serving certificate to serve now, creating or renewing the Secret when needed, with the caBundle kept equal
     * to the Secret's trust bundle.
     */
    public Certificates.ServingCertificate ensure() {
        Instant now = clock.instant();
        Stored stored = read();
        List<X509Certificate> trusted = stored == null
                ? List.of()
                : stored.trusted().stream()
                        .filter(ca -> ca.getNotAfter().toInstant().isAfter(now))
                        .toList();
        Certificates.Authority ca = stored == null ? null : stored.authority();
        boolean newCa = ca == null || !current(ca, trusted, now);
        if (newCa) {
            ca = Certificates.authority(now.minus(Certificates.BACKDATE), now.plus(CA_VALIDITY));
            List<X509Certificate> bundle = new ArrayList<>();
            bundle.add(Certificates.parse(ca.certPem()));
            bundle.addAll(trusted);
            trusted = List.copyOf(bundle);
        }
        String bundlePem = pem(trusted);

        Certificates.ServingCertificate serving = stored == null ? null : stored.serving();
        boolean works = serving != null && works(serving, trusted, now);
        boolean due = !works || renewalDue(serving, now);
        boolean caSettled =
                !now.isBefore(notBefore(ca).plus(Certificates.BACKDATE).plus(OVERLAP));
        if (due && (!works || caSettled)) {
            Instant until = min(now.plus(VALIDITY), notAfter(ca));
            serving = Certificates.issue(ca, dnsNames, now.minus(Certificates.BACKDATE), until);
        }
        Certificates.ServingCertificate chosen =
                new Certificates.ServingCertificate(bundlePem, serving.certPem(), serving.keyPem());
        if (stored == null || newCa || !chosen.equals(stored.serving())) {
            chosen = write(stored, ca, chosen, newCa);
        }
        keepCaBundle(chosen.caCertPem());
        return chosen;
    }

    /** What the Secret holds: the trust bundle (current CA first), the current CA's key, the serving pair. */
    private record Stored(
            String resourceVersion, String bundlePem, String caKeyPem, Certificates.ServingCertificate serving) {
        List<X509Certificate> trusted() {
            try {
                return Certificates.parseAll(bundlePem);
            } catch (IllegalArgumentException e) {
                return List.of();
            }
        }

        /** The CA that signs, or null when the Secret has no usable key for the bundle's first certificate. */
        Certificates.Authority authority() {
            if (caKeyPem == null || bundlePem.isBlank()) {
                return null;
            }
            List<X509Certificate> all = trusted();
            if (all.isEmpty()) {
                return null;
            }
            return new Certificates.Authority(pem(all.subList(0, 1)), caKeyPem);
        }
    }

    private Stored read() {
        Secret secret =
                client.secrets().inNamespace(namespace).withName(secretName).get();
        if (secret == null || secret.getData() == null) {
            return null;
        }
        Map<String, String> data = secret.getData();
        String bundle = data.containsKey("ca.crt") ? decode(data.get("ca.crt")) : "";
        Certificates.ServingCertificate serving = data.containsKey("tls.crt") && data.containsKey("tls.key")
                ? new Certificates.ServingCertificate(bundle, decode(data.get("tls.crt")), decode(data.get("tls.key")))
                : null;
        String caKey = data.containsKey("ca.key") ? decode(data.get("ca.key")) : null;
        return new Stored(secret.getMetadata().getResourceVersion(), bundle, caKey, serving);
    }

    /** Whether {@code ca} heads the bundle and is far enough from its end to sign another serving certificate. */
    private static boolean current(Certificates.Authority ca, List<X509Certificate> trusted, Instant now) {
        try {
            X509Certificate certificate = Certificates.parse(ca.certPem());
            Certificates.privateKey(ca.keyPem());
            return !trusted.isEmpty()
                    && trusted.get(0).equals(certificate)
                    && certificate.getNotAfter().toInstant().isAfter(now.plus(CA_RENEW_BEFORE));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether the API server accepts this certificate now: in its validity, for our names, signed by a trusted CA. */
    private boolean works(Certificates.ServingCertificate serving, List<X509Certificate> trusted, Instant now) {
        try {
            X509Certificate certificate = Certificates.parse(serving.certPem());
            Date at = Date.from(now);
            certificate.checkValidity(at);
            Set<String> names = new HashSet<>();
            if (certificate.getSubjectAlternativeNames() != null) {
                certificate.getSubjectAlternativeNames().forEach(entry -> names.add(String.valueOf(entry.get(1))));
            }
            return names.containsAll(dnsNames) && trusted.stream().anyMatch(ca -> signedBy(certificate, ca));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean renewalDue(Certificates.ServingCertificate serving, Instant now) {
        Instant end = Certificates.parse(serving.certPem()).getNotAfter().toInstant();
        return end.isBefore(now.plus(RENEW_BEFORE));
    }

    private static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
        try {
            certificate.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Writes the Secret (create, or replace the version read); when another replica was first, its content wins. */
    private Certificates.ServingCertificate write(
            Stored stored, Certificates.Authority ca, Certificates.ServingCertificate chosen, boolean newCa) {
        Secret secret = new SecretBuilder()
                .withNewMetadata()
                .withName(secretName)
                .withNamespace(namespace)
                .withResourceVersion(stored == null ? null : stored.resourceVersion())
                .addToLabels("app.kubernetes.io/managed-by", "image-size-operator")
                .endMetadata()
                .withType("kubernetes.io/tls")
                .addToData("ca.crt", encode(chosen.caCertPem()))
                .addToData("ca.key", encode(ca.keyPem()))
                .addToData("tls.crt", encode(chosen.certPem()))
                .addToData("tls.key", encode(chosen.keyPem()))
                .build();
        try {
            if (stored == null) {
                client.secrets().inNamespace(namespace).resource(secret).create();
            } else {
                client.secrets().inNamespace(namespace).resource(secret).update();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) { // another replica was first: serve what it wrote
                Stored theirs = read();
                if (theirs != null && theirs.serving() != null) {
                    return theirs.serving();
                }
            }
            throw e;
        }
        if (newCa) {
            LOG.infof(
                    "new webhook CA in Secret %s/%s, valid until %s; the caBundle trusts it and %d earlier CA(s)"
                            + " until they expire",
                    namespace,
                    secretName,
                    notAfter(ca),
                    Certificates.parseAll(chosen.caCertPem()).size() - 1);
        }
        if (stored == null
                || stored.serving() == null
                || !chosen.certPem().equals(stored.serving().certPem())) {
            LOG.infof(
                    "%s webhook serving certificate in Secret %s/%s for %s, valid until %s",
                    stored == null ? "created" : "renewed",
                    namespace,
                    secretName,
                    dnsNames,
                    Certificates.parse(chosen.certPem()).getNotAfter().toInstant());
        }
        return chosen;
    }

    private static Instant notBefore(Certificates.Authority ca) {
        return Certificates.parse(ca.certPem()).getNotBefore().toInstant();
    }

    private static Instant notAfter(Certificates.Authority ca) {
        return Certificates.parse(ca.certPem()).getNotAfter().toInstant();
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static String pem(List<X509Certificate> certificates) {
        StringBuilder bundle = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                bundle.append(Certificates.pem("CERTIFICATE", certificate.getEncoded()));
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException("cannot encode a CA certificate: " + e.getMessage(), e);
            }
        }
        return bundle.toString();
    }

    private void keepCaBundle(String caPem) {
        ValidatingWebhookConfiguration configuration = client.admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(webhookConfiguration)
                .get();
        if (configuration == null) {
            LOG.debugf("ValidatingWebhookConfiguration %s not found; caBundle not set", webhookConfiguration);
            return;
        }
        String bundle = encode(caPem);
        boolean stale = configuration.getWebhooks().stream()
                .anyMatch(webhook -> !bundle.equals(webhook.getClientConfig().getCaBundle()));
        if (!stale) {
            return;
        }
        client.admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(webhookConfiguration)
                .edit(current -> {
                    for (ValidatingWebhook webhook : current.getWebhooks()) {
                        webhook.getClientConfig().setCaBundle(bundle);
                    }
                    return current;
                });
        LOG.infof("updated the caBundle of ValidatingWebhookConfiguration %s", webhookConfiguration);
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
