package dev.imagesize.cli;

import dev.imagesize.registry.DockerCredentials;
import dev.imagesize.registry.RegistryErrors;
import dev.imagesize.registry.ResolverConfig;
import dev.imagesize.registry.http.TlsContexts;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** The command line's registry options: credentials, insecure registries, plain-HTTP credentials, registry CAs. */
public class RegistryOptions {
    /** How long a credential helper may take (it may ask the desktop keychain). */
    private static final long HELPER_TIMEOUT_SECONDS = 30;

    @Option(
            names = "--docker-config",
            paramLabel = "PATH",
            description = "Registry credentials: a config.json (with its credHelpers and credsStore, run as"
                    + " docker-credential-NAME) or a dockerconfigjson file. Default: $DOCKER_CONFIG/config.json or"
                    + " ~/.docker/config.json when present, as `docker login` writes them.")
    Path dockerConfig;

    @Option(
            names = "--insecure-registry",
            paramLabel = "HOST:PORT",
            description = "Registry to reach with unverified TLS, or plain HTTP; repeatable.")
    List<String> insecureRegistries = new ArrayList<>();

    @Option(
            names = "--allow-plain-http-credentials",
            paramLabel = "HOST:PORT",
            description = "Send credentials to this registry even over plain HTTP (it must also be an"
                    + " --insecure-registry); anyone on the network path can read them. Repeatable.")
    List<String> plainHttpCredentials = new ArrayList<>();

    @Option(
            names = "--registry-ca",
            paramLabel = "FILE",
            description = "PEM file of a CA to trust for registries (a registry with a private CA is then verified,"
                    + " not insecure); repeatable.")
    List<Path> registryCas = new ArrayList<>();

    /**
     * The resolver settings these options ask for.
     *
     * @throws IllegalArgumentException with a message for the command line
     */
    ResolverConfig resolverConfig() {
        for (String registry : plainHttpCredentials) {
            if (!insecureRegistries.contains(registry)) {
                throw new IllegalArgumentException("--allow-plain-http-credentials " + registry
                        + " needs --insecure-registry " + registry + " too: credentials go over plain HTTP only to a"
                        + " registry you listed as insecure");
            }
        }
        for (Path file : registryCas) {
            TlsContexts.readPem(file); // a clear error now rather than at the first lookup
        }
        return ResolverConfig.defaults().toBuilder()
                .insecureRegistries(new LinkedHashSet<>(insecureRegistries))
                .plainHttpCredentials(new LinkedHashSet<>(plainHttpCredentials))
                .caFiles(registryCas)
                .audience(RegistryErrors.Audience.CLI)
                .build();
    }

    /**
     * The credentials of {@code --docker-config}, else of Docker's default config file when there is one; helper
     * trouble is reported on {@code err}.
     *
     * @throws IllegalArgumentException when the file cannot be read or parsed
     */
    DockerCredentials credentials(PrintWriter err) {
        return credentials(err, "imagesize check");
    }

    /** As {@link #credentials(PrintWriter)}, with warnings prefixed by {@code command} ({@code imagesize analyze}). */
    DockerCredentials credentials(PrintWriter err, String command) {
        Path path = dockerConfig;
        if (path == null) {
            String dir = System.getenv("DOCKER_CONFIG");
            Path candidate = dir != null
                    ? Path.of(dir, "config.json")
                    : Path.of(System.getProperty("user.home"), ".docker", "config.json");
            if (!Files.isRegularFile(candidate)) {
                return DockerCredentials.none();
            }
            path = candidate;
        }
        for (String registry : plainHttpCredentials) {
            err.println(command + ": warning: credentials for " + registry
                    + " may be sent over plain HTTP (--allow-plain-http-credentials)");
        }
        return DockerCredentials.read(
                path,
                DockerCredentials.processRunner(HELPER_TIMEOUT_SECONDS),
                warning -> err.println(command + ": warning: " + warning));
    }
}
