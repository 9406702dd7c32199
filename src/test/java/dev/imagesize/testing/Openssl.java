package dev.imagesize.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code openssl s_client} as a TLS peer the JDK will not be: it offers TLS 1.0/1.1 and weak ciphers when asked
 * (security level 0), so a refusal it reports comes from the server, not from the client's own defaults.
 */
public final class Openssl {
    private static final Path BINARY = Path.of("/usr/bin/openssl");

    private Openssl() {}

    /** What one handshake attempt printed, and whether the server (not the client) refused it. */
    public record Handshake(Kubectl.Result result) {
        /** The server refused: an alert or a failed handshake, never "no protocols available" on our side. */
        public boolean refusedByServer() {
            String output = result.output();
            boolean clientRefused =
                    output.contains("no protocols available") || output.contains("no ciphers available");
            return !clientRefused
                    && result.exitCode() != 0
                    && (output.contains("alert")
                            || output.contains("handshake failure")
                            || output.contains("wrong version number")
                            || output.contains("unsupported protocol"));
        }

        /** The protocol the handshake agreed on, or null. */
        public String protocol() {
            return result.output()
                    .lines()
                    .map(String::strip)
                    .filter(line -> line.startsWith("Protocol") && line.contains(":"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst()
                    .orElse(null);
        }
    }

    /** {@code openssl s_client -connect 127.0.0.1:PORT OPTIONS} with security level 0 and nothing to send. */
    public static Handshake handshake(int port, String... options) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException("openssl not found at " + BINARY + ": apt-get install openssl");
        }
        List<String> command = new ArrayList<>(List.of(
                BINARY.toString(), "s_client", "-connect", "127.0.0.1:" + port, "-cipher", "DEFAULT:@SECLEVEL=0"));
        command.addAll(List.of(options));
        return new Handshake(Kubectl.runProcess(command, Map.of(), "", 15));
    }
}
