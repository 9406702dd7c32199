package dev.imagesize.admission;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The self-managed certificate mode: the operator keeps a CA and a serving certificate in a Secret (made when missing,
 * expiring within 30 days, or not covering the Service's DNS names) and keeps the ValidatingWebhookConfiguration's
 * caBundle equal to that CA. Every replica runs it; they converge on whichever Secret was created first.
 */
public final class SelfManagedCertificates {
    private static final Logger LOG = Logger.getLogger(SelfManagedCertificates.class);
    private static final Duration VALIDITY = Duration.ofDays(365);
    private static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private final KubernetesClient client;
    private final String namespace;
    private final String secretName;
    private final List<String> dnsNames;
    private final String webhookConfiguration;

    public SelfManagedCertificates(
            KubernetesClient client,
            String namespace,
            String secretName,
            List<String> dnsNames,
            String webhookConfiguration) {
        this.client = client;
        this.namespace = namespace;
        this.secretName = secretName;
        this.dnsNames = List.copyOf(dnsNames);
        this.webhookConfiguration = webhookConfiguration;
    }

    /** The current serving certificate, creating or renewing the Secret when needed, and the caBundle kept current. */
    public Certificates.ServingCertificate ensure() {
        Certificates.ServingCertificate current = read();
        if (current == null || !usable(current)) {
            current = renew(current != null);
        }
        keepCaBundle(current.caCertPem());
        return current;
    }

    private Certificates.ServingCertificate read() {
        Secret secret =
                client.secrets().inNamespace(namespace).withName(secretName).get();
        if (secret == null || secret.getData() == null) {
            return null;
        }
        Map<String, String> data = secret.getData();
        if (!data.containsKey("ca.crt") || !data.containsKey("tls.crt") || !data.containsKey("tls.key")) {
            return null;
        }
        return new Certificates.ServingCertificate(
                decode(data.get("ca.crt")), decode(data.get("tls.crt")), decode(data.get("tls.key")));
    }

    private boolean usable(Certificates.ServingCertificate material) {
        try {
            X509Certificate certificate = Certificates.parse(material.certPem());
            if (certificate.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE))) {
                return false;
            }
            Set<String> names = new HashSet<>();
            if (certificate.getSubjectAlternativeNames() != null) {
                certificate.getSubjectAlternativeNames().forEach(entry -> names.add(String.valueOf(entry.get(1))));
            }
            return names.containsAll(dnsNames);
        } catch (IllegalArgumentException | CertificateParsingException e) {
            return false;
        }
    }

    private Certificates.ServingCertificate renew(boolean replace) {
        Certificates.ServingCertificate fresh = Certificates.generate(dnsNames, VALIDITY);
        Secret secret = new SecretBuilder()
                .withNewMetadata()
                .withName(secretName)
                .withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "image-size-operator")
                .endMetadata()
                .withType("kubernetes.io/tls")
                .addToData("ca.crt", encode(fresh.caCertPem()))
                .addToData("tls.crt", encode(fresh.certPem()))
                .addToData("tls.key", encode(fresh.keyPem()))
                .build();
        try {
            if (replace) {
                client.secrets().inNamespace(namespace).resource(secret).update();
            } else {
                client.secrets().inNamespace(namespace).resource(secret).create();
            }
            LOG.infof(
                    "%s webhook serving certificate in Secret %s/%s for %s",
                    replace ? "renewed" : "created", namespace, secretName, dnsNames);
            return fresh;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) { // another replica was first: use its certificate
                Certificates.ServingCertificate theirs = read();
                if (theirs != null) {
                    return theirs;
                }
            }
            throw e;
        }
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
