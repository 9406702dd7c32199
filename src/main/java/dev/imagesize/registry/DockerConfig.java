package dev.imagesize.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.image.ImageRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registry credentials from dockerconfigjson content: a {@code kubernetes.io/dockerconfigjson} Secret, a legacy
 * {@code .dockercfg}, or {@code ~/.docker/config.json}. Entries match images the way the kubelet matches them:
 * by host (with {@code *} wildcards per DNS label), port, and path prefix; the most specific entry wins.
 * Nothing here ever prints a secret.
 */
public final class DockerConfig implements CredentialLookup {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DockerConfig EMPTY = new DockerConfig(List.of());

    private final List<Entry> entries;

    private record Entry(String host, String port, String path, RegistryCredential credential) {
        boolean matches(String imageHost, String imagePort, String repository) {
            return port.equals(imagePort) && hostMatches(imageHost) && pathMatches(repository);
        }

        private boolean hostMatches(String imageHost) {
            String[] want = host.split("\\.", -1);
            String[] have = imageHost.split("\\.", -1);
            if (want.length != have.length) {
                return false;
            }
            for (int i = 0; i < want.length; i++) {
                if (!globMatches(want[i], have[i])) {
                    return false;
                }
            }
            return true;
        }

        private boolean pathMatches(String repository) {
            return path.isEmpty() || repository.equals(path) || repository.startsWith(path + "/");
        }

        int specificity() {
            return (host.contains("*") ? 0 : 1_000_000) + host.length() * 1000 + path.length();
        }
    }

    private DockerConfig(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static DockerConfig empty() {
        return EMPTY;
    }

    /**
     * Parses dockerconfigjson ({@code {"auths": {...}}}) or legacy dockercfg ({@code {"host": {...}}}) content.
     *
     * @throws IllegalArgumentException naming the entry that is malformed, never its secret
     */
    public static DockerConfig parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("docker config is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("docker config must be a JSON object");
        }
        JsonNode auths = root.has("auths") ? root.get("auths") : root;
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            credential(field.getKey(), field.getValue())
                    .ifPresent(credential -> entries.add(entry(field.getKey(), credential)));
        }
        return new DockerConfig(entries);
    }

    /** This config's entries, then {@code other}'s; the most specific match still wins. */
    public DockerConfig merge(DockerConfig other) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new DockerConfig(all);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The credential for {@code image}, if any entry matches it. */
    @Override
    public Optional<RegistryCredential> credentialFor(ImageRef image) {
        String[] hostPort = splitHostPort(image.registry());
        String imageHost = hostPort[0];
        String imagePort = hostPort[1];
        // a loop, not a stream: this runs for every image of every admission
        Entry best = null;
        for (Entry entry : entries) {
            if (entry.matches(imageHost, imagePort, image.repository())
                    && (best == null || entry.specificity() > best.specificity())) {
                best = entry;
            }
        }
        return Optional.ofNullable(best).map(Entry::credential);
    }

    private static Optional<RegistryCredential> credential(String key, JsonNode value) {
        String username = value.path("username").asText("");
        String password = value.path("password").asText("");
        String auth = value.path("auth").asText("");
        if (!auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "docker config entry for " + key + " has an auth field that is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(
                        "docker config entry for " + key + " has an auth field without a colon");
            }
            username = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        String identityToken = value.path("identitytoken").asText("");
        if (username.isEmpty() && password.isEmpty() && !identityToken.isEmpty()) {
            // what `docker login` stores for registries that hand out refresh tokens (Azure, some Harbor setups)
            return Optional.of(RegistryCredential.identityToken(identityToken));
        }
        if (username.isEmpty() && password.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RegistryCredential(username, password));
    }

    /** Keys are {@code host[:port][/path]}, optionally with a scheme; Docker Hub's many names become docker.io. */
    private static Entry entry(String key, RegistryCredential credential) {
        String rest = key.trim();
        int scheme = rest.indexOf("://");
        if (scheme >= 0) {
            rest = rest.substring(scheme + 3);
        }
        while (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        String[] split = splitHostPort(hostPort);
        String host = split[0].toLowerCase();
        String port = split[1];
        if (host.equals("index.docker.io") || host.equals("registry-1.docker.io")) {
            host = "docker.io";
            if (path.equals("v1") || path.equals("v2")) {
                path = "";
            }
        }
        return new Entry(host, port, path, credential);
    }

    /** {host, port} of {@code host[:port]}; the port is empty when absent (a bracketed IPv6 host keeps its colons). */
    static String[] splitHostPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon > 0 && !hostPort.endsWith("]")) {
            return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
        }
        return new String[] {hostPort, ""};
    }

    /** Shell-style match of one DNS label: {@code *} is any run of characters. */
    private static boolean globMatches(String pattern, String text) {
        if (!pattern.contains("*")) {
            return pattern.equalsIgnoreCase(text);
        }
        String regex = java.util.regex.Pattern.quote(pattern.toLowerCase()).replace("*", "\\E[^.]*\\Q");
        return text.toLowerCase().matches(regex);
    }

    @Override
    public String toString() {
        return "DockerConfig[" + entries.size() + " entries]";
    }
}
