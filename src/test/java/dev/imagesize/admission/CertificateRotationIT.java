package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.WebhookRegistration;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The self-managed certificates over a CA's whole life, against the real API server's Secret and
 * ValidatingWebhookConfiguration, with a clock the test moves: at every step the certificate a replica serves (the one
 * it served before, and the one it serves now) is signed by a CA in the caBundle the API server holds.
 */
class CertificateRotationIT {
    private static final String SECRET = "webhook-tls";
    private static final List<String> NAMES = List.of("image-size-operator.example.svc", "127.0.0.1");

    private final KubernetesClient client = TestCluster.get().client();
    private final String namespace = "certs-" + UUID.randomUUID().toString().substring(0, 8);
    private final String webhook = "imagesize-" + namespace;
    private Instant now = Instant.now();

    @BeforeEach
    void namespaceAndWebhook() {
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(namespace)
                        .endMetadata()
                        .build())
                .create();
        TestCluster.get()
                .kubectl()
                .runWithInput(
                        WebhookRegistration.of("https://127.0.0.1:1/validate", "", namespace, webhook),
                        "apply",
                        "-f",
                        "-")
                .assertSuccess();
    }

    @AfterEach
    void cleanUp() {
        client.admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(webhook)
                .delete();
        client.namespaces().withName(namespace).delete();
    }

    private Certificates.ServingCertificate ensure() {
        Clock at = Clock.fixed(now, ZoneOffset.UTC);
        return new SelfManagedCertificates(client, namespace, SECRET, NAMES, webhook, at).ensure();
    }

    private List<X509Certificate> apiServerBundle() {
        String base64 = client.admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(webhook)
                .get()
                .getWebhooks()
                .get(0)
                .getClientConfig()
                .getCaBundle();
        return Certificates.parseAll(new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8));
    }

    /** Whether the API server's caBundle accepts {@code serving} at the test's time. */
    private boolean trusted(Certificates.ServingCertificate serving) {
        X509Certificate certificate = Certificates.parse(serving.certPem());
        if (now.isBefore(certificate.getNotBefore().toInstant())
                || now.isAfter(certificate.getNotAfter().toInstant())) {
            return false;
        }
        return apiServerBundle().stream().anyMatch(ca -> {
            try {
                certificate.verify(ca.getPublicKey());
                return !now.isAfter(ca.getNotAfter().toInstant());
            } catch (java.security.GeneralSecurityException e) {
                return false;
            }
        });
    }

    private static X509Certificate issuerOf(Certificates.ServingCertificate serving, List<X509Certificate> cas) {
        X509Certificate certificate = Certificates.parse(serving.certPem());
        return cas.stream()
                .filter(ca -> {
                    try {
                        certificate.verify(ca.getPublicKey());
                        return true;
                    } catch (java.security.GeneralSecurityException e) {
                        return false;
                    }
                })
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aCaLivesTenYearsAndHandsOverWithoutAMomentOfDistrust() {
        Certificates.ServingCertificate first = ensure();
        List<X509Certificate> firstBundle = apiServerBundle();
        assertThat(firstBundle).hasSize(1);
        X509Certificate firstCa = firstBundle.get(0);
        assertThat(trusted(first)).isTrue();
        assertThat(ensure()).as("nothing due: the same certificate").isEqualTo(first);

        // 340 days on: the serving certificate is renewed under the same CA, so the caBundle does not change
        now = now.plus(Duration.ofDays(340));
        assertThat(trusted(first)).isTrue();
        Certificates.ServingCertificate second = ensure();
        assertThat(second.certPem()).isNotEqualTo(first.certPem());
        assertThat(apiServerBundle()).containsExactly(firstCa);
        assertThat(trusted(second)).isTrue();

        // renewed yearly until the CA is within 400 days of its end: a new CA joins the bundle before the old one
        Certificates.ServingCertificate serving = second;
        Instant caEnd = firstCa.getNotAfter().toInstant();
        while (now.plus(SelfManagedCertificates.CA_RENEW_BEFORE).isBefore(caEnd)) {
            now = now.plus(Duration.ofDays(340));
            assertThat(trusted(serving)).as("served until %s", now).isTrue();
            serving = ensure();
            assertThat(trusted(serving)).as("renewed at %s", now).isTrue();
        }
        List<X509Certificate> rotated = apiServerBundle();
        assertThat(rotated).hasSize(2);
        assertThat(rotated.get(1)).isEqualTo(firstCa);
        X509Certificate secondCa = rotated.get(0);
        assertThat(issuerOf(serving, rotated))
                .as("the certificate in service stays the old CA's until it is due")
                .isEqualTo(firstCa);
        assertThat(Certificates.parse(serving.certPem()).getNotAfter().toInstant())
                .as("no certificate outlives the CA that signed it")
                .isBeforeOrEqualTo(caEnd);

        // its renewal comes under the new CA; the old CA stays trusted until it expires, then leaves the bundle
        while (issuerOf(serving, apiServerBundle()).equals(firstCa)) {
            now = now.plus(Duration.ofDays(1));
            assertThat(trusted(serving)).as("served until %s", now).isTrue();
            serving = ensure();
            assertThat(trusted(serving)).as("renewed at %s", now).isTrue();
        }
        assertThat(issuerOf(serving, apiServerBundle())).isEqualTo(secondCa);
        now = caEnd.plus(Duration.ofDays(1));
        serving = ensure();
        assertThat(apiServerBundle()).containsExactly(secondCa);
        assertThat(trusted(serving)).isTrue();
    }

    @Test
    void aNewCaSignsOnlyAfterTheOverlapUnlessNothingElseWorks() {
        // a Secret as written before the CA was kept: CA and serving certificate of one year, no CA key
        Certificates.ServingCertificate legacy = Certificates.generate(NAMES, Duration.ofDays(365));
        client.secrets().inNamespace(namespace).resource(secret(legacy)).create();
        X509Certificate legacyCa = Certificates.parse(legacy.caCertPem());

        // 340 days on, the certificate is due and its CA cannot sign: a new CA joins the bundle, the old pair serves on
        now = now.plus(Duration.ofDays(340));
        Certificates.ServingCertificate during = ensure();
        List<X509Certificate> bundle = apiServerBundle();
        assertThat(bundle).hasSize(2).endsWith(legacyCa);
        assertThat(during.certPem()).isEqualTo(legacy.certPem());
        assertThat(trusted(during)).isTrue();
        assertThat(secretData()).as("the new CA's key is kept").contains("ca.key");

        // once the new CA is older than the overlap, it signs the renewal
        now = now.plus(SelfManagedCertificates.OVERLAP).plus(Duration.ofMinutes(1));
        Certificates.ServingCertificate after = ensure();
        assertThat(after.certPem()).isNotEqualTo(legacy.certPem());
        assertThat(issuerOf(after, apiServerBundle())).isEqualTo(bundle.get(0));
        assertThat(trusted(after)).isTrue();

        // an expired Secret (a cluster switched off for two years) is replaced at once: nothing else would work
        now = now.plus(Duration.ofDays(730));
        Certificates.ServingCertificate revived = ensure();
        assertThat(trusted(revived)).isTrue();
    }

    @Test
    void aSecondReplicaServesWhatTheFirstWrote() {
        Certificates.ServingCertificate a = ensure();
        Certificates.ServingCertificate b = ensure();
        assertThat(b).isEqualTo(a);
        assertThat(Certificates.parseAll(a.caCertPem())).containsExactlyElementsOf(apiServerBundle());
    }

    private java.util.Set<String> secretData() {
        return client.secrets()
                .inNamespace(namespace)
                .withName(SECRET)
                .get()
                .getData()
                .keySet();
    }

    private Secret secret(Certificates.ServingCertificate material) {
        Base64.Encoder base64 = Base64.getEncoder();
        return new SecretBuilder()
                .withNewMetadata()
                .withName(SECRET)
                .withNamespace(namespace)
                .endMetadata()
                .withType("kubernetes.io/tls")
                .addToData("ca.crt", base64.encodeToString(material.caCertPem().getBytes(StandardCharsets.UTF_8)))
                .addToData("tls.crt", base64.encodeToString(material.certPem().getBytes(StandardCharsets.UTF_8)))
                .addToData("tls.key", base64.encodeToString(material.keyPem().getBytes(StandardCharsets.UTF_8)))
                .build();
    }
}
