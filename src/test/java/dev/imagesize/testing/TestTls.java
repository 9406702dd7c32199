package dev.imagesize.testing;

import dev.imagesize.admission.Certificates;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * One test CA and serving certificate (for 127.0.0.1 and localhost) per test JVM, trusted by that JVM from the start:
 * the JVM's default SSL context (which jib-core uses) reads {@code javax.net.ssl.trustStore} once, so this runs as a
 * JUnit launcher-session listener, before any test opens a TLS connection. JVMs started by tests get the same
 * properties from {@link #javaOptions()}.
 */
public final class TestTls implements LauncherSessionListener {
    public static final String TRUST_STORE_PASSWORD = "changeit";
    private static Certificates.ServingCertificate certificate;
    private static Path dir;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        install();
    }

    public static synchronized void install() {
        if (certificate != null) {
            return;
        }
        try {
            certificate = Certificates.generate(List.of("127.0.0.1", "localhost"), Duration.ofDays(2));
            dir = Files.createTempDirectory("imagesize-test-tls-");
            Files.writeString(dir.resolve("ca.crt"), certificate.caCertPem());
            Files.writeString(dir.resolve("tls.crt"), certificate.certPem() + certificate.caCertPem());
            Files.writeString(dir.resolve("tls.key"), certificate.keyPem());
            try (OutputStream out = Files.newOutputStream(dir.resolve("truststore.p12"))) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setCertificateEntry("imagesize-test-ca", Certificates.parse(certificate.caCertPem()));
                store.store(out, TRUST_STORE_PASSWORD.toCharArray());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the test CA: " + e.getMessage(), e);
        }
        System.setProperty("javax.net.ssl.trustStore", trustStore().toString());
        System.setProperty("javax.net.ssl.trustStorePassword", TRUST_STORE_PASSWORD);
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    }

    public static Path caCertificate() {
        install();
        return dir.resolve("ca.crt");
    }

    /** Serving certificate chain (leaf + CA) and key files for a TLS server in a test. */
    public static Path certificateChain() {
        install();
        return dir.resolve("tls.crt");
    }

    public static Path key() {
        install();
        return dir.resolve("tls.key");
    }

    public static Path trustStore() {
        install();
        return dir.resolve("truststore.p12");
    }

    /** JVM options that make another JVM trust the test CA. */
    public static List<String> javaOptions() {
        return List.of(
                "-Djavax.net.ssl.trustStore=" + trustStore(),
                "-Djavax.net.ssl.trustStorePassword=" + TRUST_STORE_PASSWORD,
                "-Djavax.net.ssl.trustStoreType=PKCS12");
    }
}
