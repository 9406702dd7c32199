package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificatesTest {

    @Test
    void theCaSignsAServingCertificateForEveryNameGiven() throws Exception {
        Certificates.ServingCertificate tls = Certificates.generate(
                List.of("webhook.ns.svc", "127.0.0.1", "::1", "webhook.ns.svc.cluster.local"), Duration.ofDays(30));
        X509Certificate ca = Certificates.parse(tls.caCertPem());
        X509Certificate server = Certificates.parse(tls.certPem());

        ca.verify(ca.getPublicKey());
        server.verify(ca.getPublicKey());
        assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=image-size-operator webhook CA");
        assertThat(server.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(server.getSubjectX500Principal().getName()).isEqualTo("CN=webhook.ns.svc");
        assertThat(ca.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
        assertThat(server.getBasicConstraints()).isEqualTo(-1);
        assertThat(ca.getKeyUsage()).startsWith(false, false, false, false, false, true, true);
        assertThat(server.getKeyUsage()).startsWith(true, false, true, false, false, false, false);
        assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(server.getCriticalExtensionOIDs()).containsExactlyInAnyOrder("2.5.29.19", "2.5.29.15");
        assertThat(server.getSubjectAlternativeNames())
                .containsExactly(
                        List.of(2, "webhook.ns.svc"),
                        List.of(7, "127.0.0.1"),
                        List.of(7, "0:0:0:0:0:0:0:1"),
                        List.of(2, "webhook.ns.svc.cluster.local"));
        assertThat(server.getNotAfter().toInstant())
                .isBetween(
                        Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(30)));
        assertThat(server.getSerialNumber()).isPositive().isNotEqualTo(ca.getSerialNumber());
    }

    @Test
    void theKeyIsPkcs8AndMatchesTheCertificate() throws Exception {
        Certificates.ServingCertificate tls = Certificates.generate(List.of("localhost"), Duration.ofDays(1));
        assertThat(tls.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        String base64 = tls.keyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        var key = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        var signature = java.security.Signature.getInstance("SHA256withECDSA");
        signature.initSign(key);
        signature.update(new byte[] {1, 2, 3});
        byte[] signed = signature.sign();
        signature.initVerify(Certificates.parse(tls.certPem()).getPublicKey());
        signature.update(new byte[] {1, 2, 3});
        assertThat(signature.verify(signed)).isTrue();
        assertThat(tls.certPem().lines().filter(l -> !l.startsWith("-----")))
                .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(64));
    }

    @Test
    void validityPast2049IsAGeneralizedTime() {
        Certificates.ServingCertificate tls = Certificates.generate(List.of("localhost"), Duration.ofDays(365 * 40));
        assertThat(Certificates.parse(tls.caCertPem()).getNotAfter().toInstant())
                .isAfter(Instant.parse("2050-01-01T00:00:00Z"));
    }

    @Test
    void derEncodingsOfX690() {
        HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(Der.oid("1.2.840.10045.4.3.2"))).isEqualTo("06082a8648ce3d040302");
        assertThat(hex.formatHex(Der.oid("2.5.29.17"))).isEqualTo("0603551d11");
        assertThat(hex.formatHex(Der.integer(BigInteger.valueOf(128)))).isEqualTo("02020080");
        assertThat(hex.formatHex(Der.namedBits(5, 6))).isEqualTo("03020106");
        assertThat(hex.formatHex(Der.namedBits(0, 2))).isEqualTo("030205a0");
        assertThat(hex.formatHex(Der.time(Instant.parse("2049-12-31T23:59:59Z"))))
                .isEqualTo("170d3439313233313233353935395a");
        assertThat(hex.formatHex(Der.time(Instant.parse("2050-01-01T00:00:00Z"))))
                .isEqualTo("180f32303530303130313030303030305a");
        assertThat(hex.formatHex(Der.tagged(0x04, new byte[200]))).startsWith("0481c8");
        assertThat(hex.formatHex(Der.tagged(0x04, new byte[300]))).startsWith("0482012c");
    }
}
