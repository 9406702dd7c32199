package dev.imagesize.cli;

import dev.imagesize.registry.DockerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Registry credentials for a command: {@code --docker-config PATH}, else {@code $DOCKER_CONFIG/config.json} or
 * {@code ~/.docker/config.json} when present, else none (as {@code imagesize check} reads them).
 */
final class DockerConfigOption {
    private DockerConfigOption() {}

    static DockerConfig load(Path explicit) {
        Path path = explicit;
        if (path == null) {
            String dir = System.getenv("DOCKER_CONFIG");
            Path candidate = dir != null
                    ? Path.of(dir, "config.json")
                    : Path.of(System.getProperty("user.home"), ".docker", "config.json");
            if (!Files.isRegularFile(candidate)) {
                return DockerConfig.empty();
            }
            path = candidate;
        }
        try {
            return DockerConfig.parse(Files.readString(path));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read docker config " + path + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage());
        }
    }
}
