package dev.imagesize.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA and a client certificate it signed (extended key usage clientAuth), as PEM: what the API server presents to a
 * webhook that requires client certificates, and what a test presents in its place.
 *
 * @param caPem the CA certificate, for the webhook's client CA file
 * @param certPem the client certificate
 * @param keyPem its key, PKCS#8
 */
public record ClientCertificates(String caPem, String certPem, String keyPem) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new CA and a client certificate for {@code commonName}. */
    public static ClientCertificates generate(String commonName) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256, RANDOM);
            KeyPair caKeys = generator.generateKeyPair();
            KeyPair clientKeys = generator.generateKeyPair();
            Date from = Date.from(Instant.now().minus(Duration.ofMinutes(5)));
            Date until = Date.from(Instant.now().plus(Duration.ofDays(1)));
            X500Name caName = new X500Name("CN=webhook client CA");
            X509v3CertificateBuilder ca =
                    new JcaX509v3CertificateBuilder(caName, serial(), from, until, caName, caKeys.getPublic());
            ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509v3CertificateBuilder client = new JcaX509v3CertificateBuilder(
                    caName, serial(), from, until, new X500Name("CN=" + commonName), clientKeys.getPublic());
            client.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            client.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            client.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            JcaContentSignerBuilder signer = new JcaContentSignerBuilder("SHA256withECDSA");
            return new ClientCertificates(
                    pem(ca.build(signer.build(caKeys.getPrivate()))),
                    pem(client.build(signer.build(caKeys.getPrivate()))),
                    pem(new JcaPKCS8Generator(clientKeys.getPrivate(), null)));
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make client certificates: " + e.getMessage(), e);
        }
    }

    /** Writes the CA to a temporary file, for {@code imagesize.webhook.tls.client-ca-file}. */
    public Path writeCa() {
        try {
            Path file = Files.createTempFile("imagesize-client-ca-", ".crt");
            Files.writeString(file, caPem);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "ClientCertificates[key=***]";
    }
}
