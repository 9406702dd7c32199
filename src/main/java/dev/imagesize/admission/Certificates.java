package dev.imagesize.admission;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/** Makes a CA and a serving certificate signed by it, as PEM, for the self-managed webhook mode (and tests). */
public final class Certificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Certificates() {}

    /**
     * PEM material for a TLS server.
     *
     * @param caCertPem the CA certificate, for the webhook's caBundle
     * @param certPem the serving certificate
     * @param keyPem the serving key (PKCS#8)
     */
    public record ServingCertificate(String caCertPem, String certPem, String keyPem) {
        @Override
        public String toString() {
            return "ServingCertificate[key=***]";
        }
    }

    /**
     * A CA that signs serving certificates.
     *
     * @param certPem its certificate
     * @param keyPem its private key (PKCS#8)
     */
    public record Authority(String certPem, String keyPem) {
        @Override
        public String toString() {
            return "Authority[key=***]";
        }
    }

    /** A new CA and a serving certificate for {@code names} (DNS names, or IP addresses), valid for {@code validity}. */
    public static ServingCertificate generate(List<String> names, Duration validity) {
        Instant from = Instant.now().minus(BACKDATE);
        Instant until = from.plus(validity);
        return issue(authority(from, until), names, from, until);
    }

    /** A new CA valid from {@code from} to {@code until}. */
    public static Authority authority(Instant from, Instant until) {
        try {
            KeyPair keys = ecKeys();
            byte[] caName = name("image-size-operator webhook CA");
            byte[] certificate = sign(
                    caName,
                    from,
                    until,
                    caName,
                    keys.getPublic(),
                    keys.getPrivate(),
                    extension(BASIC_CONSTRAINTS, true, Der.sequence(Der.bool(true))),
                    extension(KEY_USAGE, true, Der.namedBits(KEY_CERT_SIGN, CRL_SIGN)));
            return new Authority(
                    pem("CERTIFICATE", certificate),
                    pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate the webhook CA: " + e.getMessage(), e);
        }
    }

    /** A serving certificate for {@code names} (DNS names, or IP addresses) signed by {@code ca}. */
    public static ServingCertificate issue(Authority ca, List<String> names, Instant from, Instant until) {
        try {
            KeyPair serverKeys = ecKeys();
            byte[][] alternatives = new byte[names.size()][];
            for (int i = 0; i < names.size(); i++) {
                alternatives[i] = alternativeName(names.get(i));
            }
            byte[] serverCert = sign(
                    parse(ca.certPem()).getSubjectX500Principal().getEncoded(),
                    from,
                    until,
                    name(names.get(0)),
                    serverKeys.getPublic(),
                    privateKey(ca.keyPem()),
                    extension(BASIC_CONSTRAINTS, true, Der.sequence()),
                    extension(KEY_USAGE, true, Der.namedBits(DIGITAL_SIGNATURE, KEY_ENCIPHERMENT)),
                    extension(EXTENDED_KEY_USAGE, false, Der.sequence(Der.oid(SERVER_AUTH))),
                    extension(SUBJECT_ALTERNATIVE_NAME, false, Der.sequence(alternatives)));
            return new ServingCertificate(
                    ca.certPem(),
                    pem("CERTIFICATE", serverCert),
                    pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | UnknownHostException e) {
            throw new IllegalStateException("cannot generate webhook certificates: " + e.getMessage(), e);
        }
    }

    /** Certificates are valid from a little before they are made, so that a clock behind ours accepts them. */
    public static final Duration BACKDATE = Duration.ofMinutes(5);

    /** Every certificate of a PEM bundle, in order. */
    public static List<X509Certificate> parseAll(String pem) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                    .stream()
                    .map(X509Certificate.class::cast)
                    .toList();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a PEM certificate bundle: " + e.getMessage());
        }
    }

    /** An EC private key from PKCS#8 PEM. */
    static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256, RANDOM);
        return generator.generateKeyPair();
    }

    /** The first certificate of a PEM bundle. */
    public static X509Certificate parse(String pem) {
        try {
            Collection<? extends java.security.cert.Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("no certificate in PEM");
            }
            return (X509Certificate) certificates.iterator().next();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage());
        }
    }

    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String COMMON_NAME = "2.5.4.3";
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String KEY_USAGE = "2.5.29.15";
    private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
    private static final String SUBJECT_ALTERNATIVE_NAME = "2.5.29.17";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_ENCIPHERMENT = 2;
    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;

    /** An X.509 v3 certificate (DER), signed with ECDSA and SHA-256 by {@code signer}, checked by parsing it back. */
    private static byte[] sign(
            byte[] issuer,
            Instant from,
            Instant until,
            byte[] subject,
            PublicKey subjectKey,
            PrivateKey signer,
            byte[]... extensions)
            throws GeneralSecurityException {
        byte[] algorithm = Der.sequence(Der.oid(ECDSA_WITH_SHA256));
        byte[] toBeSigned = Der.sequence(
                Der.explicit(0, Der.integer(BigInteger.TWO)),
                Der.integer(serial()),
                algorithm,
                issuer,
                Der.sequence(Der.time(from), Der.time(until)),
                subject,
                subjectKey.getEncoded(),
                Der.explicit(3, Der.sequence(extensions)));
        Signature signature = Signature.getInstance("SHA256withECDSA");
        signature.initSign(signer, RANDOM);
        signature.update(toBeSigned);
        byte[] certificate = Der.sequence(toBeSigned, algorithm, Der.bitString(signature.sign()));
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(certificate));
        return certificate;
    }

    /** A distinguished name with one common name. */
    private static byte[] name(String commonName) {
        return Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8(commonName))));
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value));
    }

    /** A subjectAltName entry: iPAddress for an IP literal, dNSName otherwise. */
    private static byte[] alternativeName(String name) throws UnknownHostException {
        boolean ip = name.matches("[0-9.]+") || name.contains(":");
        return ip
                ? Der.implicit(7, InetAddress.getByName(name).getAddress())
                : Der.implicit(2, name.getBytes(StandardCharsets.US_ASCII));
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).abs().add(BigInteger.ONE);
    }

    static String pem(String type, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n";
    }
}
