package dev.imagesize.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.image.ImageRef;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The credentials the Docker CLI would use, for {@code imagesize check}: from a {@code config.json}, its
 * {@code credHelpers} (per registry) and {@code credsStore} (for all) through the {@code docker-credential-NAME}
 * programs on the PATH, as Docker and jib run them, else its {@code auths} entries ({@link DockerConfig}). A helper
 * that has nothing for a registry, is missing or fails leaves the lookup to the next source; failures are reported to
 * the warnings consumer without anything the helper printed.
 */
public final class DockerCredentials implements CredentialLookup {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

    /** Runs a credential helper: {@code docker-credential-NAME get} with the server URL on its standard input. */
    @FunctionalInterface
    public interface HelperRunner {
        /**
         * @return the helper's standard output when it exits with 0; empty when it has no credentials for the server
         * @throws IOException when the helper cannot run or fails; the message names the helper, never its output
         */
        Optional<String> get(String helper, String serverUrl) throws IOException;
    }

    private final DockerConfig auths;
    private final String credsStore;
    private final Map<String, String> credHelpers;
    private final String origin;
    private final HelperRunner runner;
    private final Consumer<String> warnings;
    private final Map<String, Optional<RegistryCredential>> looked = new ConcurrentHashMap<>();

    private DockerCredentials(
            DockerConfig auths,
            String credsStore,
            Map<String, String> credHelpers,
            String origin,
            HelperRunner runner,
            Consumer<String> warnings) {
        this.auths = auths;
        this.credsStore = credsStore;
        this.credHelpers = Map.copyOf(credHelpers);
        this.origin = origin;
        this.runner = runner;
        this.warnings = warnings;
    }

    /** No credentials at all. */
    public static DockerCredentials none() {
        return new DockerCredentials(
                DockerConfig.empty(), null, Map.of(), "", (helper, server) -> Optional.empty(), w -> {});
    }

    /**
     * Reads {@code file} (a {@code config.json}, or a dockerconfigjson file).
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it, never a secret
     */
    public static DockerCredentials read(Path file, HelperRunner runner, Consumer<String> warnings) {
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read docker config " + file + ": " + e.getMessage());
        }
        return parse(json, file.toString(), runner, warnings);
    }

    /** Parses config.json content; {@code origin} names it in messages. */
    public static DockerCredentials parse(String json, String origin, HelperRunner runner, Consumer<String> warnings) {
        DockerConfig auths;
        JsonNode root;
        try {
            auths = DockerConfig.parse(json);
            root = JSON.readTree(json);
        } catch (IllegalArgumentException | IOException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage());
        }
        String store = root.path("credsStore").asText("");
        Map<String, String> helpers = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("credHelpers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String helper = entry.getValue().asText("");
            if (!helper.isEmpty()) {
                helpers.put(entry.getKey().toLowerCase(), helper);
            }
        }
        for (String helper : helpers.values()) {
            checkHelperName(helper, origin);
        }
        if (!store.isEmpty()) {
            checkHelperName(store, origin);
        }
        return new DockerCredentials(auths, store.isEmpty() ? null : store, helpers, origin, runner, warnings);
    }

    /** The credential for {@code image}: its registry's credential helper, the credentials store, then auths. */
    @Override
    public Optional<RegistryCredential> credentialFor(ImageRef image) {
        String registry = image.registry();
        Optional<RegistryCredential> fromHelpers = looked.computeIfAbsent(registry, this::fromHelpers);
        return fromHelpers.isPresent() ? fromHelpers : auths.credentialFor(image);
    }

    private Optional<RegistryCredential> fromHelpers(String registry) {
        String helper = helperFor(registry);
        if (helper != null) {
            Optional<RegistryCredential> found = ask(helper, "credHelpers", registry);
            if (found.isPresent()) {
                return found;
            }
        }
        if (credsStore != null) {
            return ask(credsStore, "credsStore", registry);
        }
        return Optional.empty();
    }

    private String helperFor(String registry) {
        List<String> names = registry.equals(ImageRef.DOCKER_HUB)
                ? List.of("docker.io", "index.docker.io", "registry-1.docker.io", DOCKER_HUB_SERVER)
                : List.of(registry.toLowerCase());
        for (String name : names) {
            String helper = credHelpers.get(name);
            if (helper != null) {
                return helper;
            }
        }
        return null;
    }

    private Optional<RegistryCredential> ask(String helper, String namedBy, String registry) {
        String server = registry.equals(ImageRef.DOCKER_HUB) ? DOCKER_HUB_SERVER : registry;
        try {
            Optional<String> output = runner.get(helper, server);
            if (output.isEmpty()) {
                return Optional.empty();
            }
            JsonNode answer = JSON.readTree(output.get());
            String username = answer.path("Username").asText("");
            String secret = answer.path("Secret").asText("");
            if (secret.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new RegistryCredential(username, secret));
        } catch (IOException e) {
            warnings.accept("credential helper docker-credential-" + helper + " (" + namedBy + " in " + origin
                    + ") gave no credentials for " + registry + ": " + e.getMessage()
                    + "; looking it up without them");
            return Optional.empty();
        }
    }

    private static void checkHelperName(String helper, String origin) {
        if (!helper.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(origin + ": credential helper name \"" + helper
                    + "\" may only contain letters, digits, '.', '_' and '-'");
        }
    }

    /** Runs {@code docker-credential-NAME get} from the PATH, at most {@code timeoutSeconds}. */
    public static HelperRunner processRunner(long timeoutSeconds) {
        return (helper, server) -> {
            String program = "docker-credential-" + helper;
            Process process;
            try {
                process = new ProcessBuilder(program, "get")
                        .redirectErrorStream(true)
                        .start();
            } catch (IOException e) {
                throw new IOException(program + " is not on the PATH");
            }
            try (OutputStream in = process.getOutputStream()) {
                in.write(server.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // a helper that exits without reading its input fails below
            }
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return process.getInputStream().readNBytes(1024 * 1024);
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            byte[] output;
            try {
                output = read.get(timeoutSeconds, TimeUnit.SECONDS);
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    throw new TimeoutException();
                }
            } catch (TimeoutException e) {
                process.destroyForcibly();
                throw new IOException(program + " did not finish within " + timeoutSeconds + "s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IOException(program + " was interrupted");
            } catch (ExecutionException e) {
                process.destroyForcibly();
                throw new IOException(program + " could not be read");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                if (text.toLowerCase().contains("credentials not found")) {
                    return Optional.empty();
                }
                throw new IOException(program + " exited with status " + process.exitValue());
            }
            return Optional.of(text);
        };
    }

    @Override
    public String toString() {
        return "DockerCredentials[" + origin + "]";
    }
}
