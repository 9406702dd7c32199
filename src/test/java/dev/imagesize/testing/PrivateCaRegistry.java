package dev.imagesize.testing;

import dev.imagesize.admission.Certificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Distribution registry over TLS whose certificate comes from a CA made for it, which no JVM trusts: what a
 * company registry with a private CA looks like. It serves the content of another registry (its storage), without
 * authentication.
 */
public final class PrivateCaRegistry {
    private PrivateCaRegistry() {}

    /** Starts it on {@code content}'s storage; {@link LocalRegistry#caCertificate()} is the CA's PEM file. */
    public static LocalRegistry serving(LocalRegistry content) {
        try {
            Certificates.ServingCertificate certificate =
                    Certificates.generate(List.of("127.0.0.1"), Duration.ofDays(1));
            Path dir = Files.createTempDirectory("private-ca-");
            Path chain = Files.writeString(dir.resolve("tls.crt"), certificate.certPem() + certificate.caCertPem());
            Path key = Files.writeString(dir.resolve("tls.key"), certificate.keyPem());
            Path ca = Files.writeString(dir.resolve("ca.crt"), certificate.caCertPem());
            return LocalRegistry.custom(new LocalRegistry.Custom(content.storage(), "", chain, key, ca));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
