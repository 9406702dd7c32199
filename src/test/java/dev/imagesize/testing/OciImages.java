package dev.imagesize.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images assembled from layer tars written by the tests ({@link TestLayers}) as an OCI image layout, pushed with the
 * real skopeo to a {@link LocalRegistry}, and turned into {@code docker save} archives (for dive) or unpacked with the
 * real umoci (for a root filesystem to walk).
 */
public final class OciImages {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciImages() {}

    /** How layers are compressed in the layout (and so in the registry). */
    public enum Compression {
        GZIP,
        ZSTD,
        NONE
    }

    /** One history step: a layer (its tar) or an empty-layer step (tar null). */
    public record Step(String createdBy, byte[] tar) {
        public static Step layer(String createdBy, TestLayers.Builder layer) {
            return new Step(createdBy, layer.tar());
        }

        public static Step empty(String createdBy) {
            return new Step(createdBy, null);
        }
    }

    /** An image to build: steps, config labels, manifest annotations, compression. */
    public record Spec(
            List<Step> steps, Map<String, String> labels, Map<String, String> annotations, Compression compression) {
        public static Spec of(Step... steps) {
            return new Spec(List.of(steps), Map.of(), Map.of(), Compression.GZIP);
        }

        public Spec withAnnotations(Map<String, String> values) {
            return new Spec(steps, labels, values, compression);
        }

        public Spec withLabels(Map<String, String> values) {
            return new Spec(steps, values, annotations, compression);
        }

        public Spec withCompression(Compression value) {
            return new Spec(steps, labels, annotations, value);
        }
    }

    /** A built layout and what it holds. */
    public record Layout(
            Path dir, String tag, List<String> diffIds, List<String> layerDigests, List<Long> layerSizes) {}

    /** Writes {@code spec} as an OCI image layout in a new temporary directory, tagged {@code tag}. */
    public static Layout write(Spec spec, String tag) {
        try {
            Path dir = Files.createTempDirectory("imagesize-oci-");
            Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
            List<String> diffIds = new ArrayList<>();
            List<String> digests = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            ArrayNode layers = JSON.createArrayNode();
            ArrayNode history = JSON.createArrayNode();
            for (Step step : spec.steps()) {
                ObjectNode entry = history.addObject()
                        .put("created", "2026-01-01T00:00:00Z")
                        .put("created_by", step.createdBy());
                if (step.tar() == null) {
                    entry.put("empty_layer", true);
                    continue;
                }
                byte[] blob =
                        switch (spec.compression()) {
                            case GZIP -> TestLayers.gzip(step.tar());
                            case ZSTD -> TestLayers.zstd(step.tar(), 3, 0);
                            case NONE -> step.tar();
                        };
                String mediaType =
                        switch (spec.compression()) {
                            case GZIP -> "application/vnd.oci.image.layer.v1.tar+gzip";
                            case ZSTD -> "application/vnd.oci.image.layer.v1.tar+zstd";
                            case NONE -> "application/vnd.oci.image.layer.v1.tar";
                        };
                String digest = store(blobs, blob);
                diffIds.add(TestLayers.sha256(step.tar()));
                digests.add(digest);
                sizes.add((long) blob.length);
                layers.addObject()
                        .put("mediaType", mediaType)
                        .put("digest", digest)
                        .put("size", blob.length);
            }
            ObjectNode config = JSON.createObjectNode()
                    .put("created", "2026-01-01T00:00:00Z")
                    .put("architecture", "amd64")
                    .put("os", "linux");
            ObjectNode containerConfig = config.putObject("config");
            containerConfig.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            if (!spec.labels().isEmpty()) {
                ObjectNode labels = containerConfig.putObject("Labels");
                spec.labels().forEach(labels::put);
            }
            ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
            ArrayNode ids = rootfs.putArray("diff_ids");
            diffIds.forEach(ids::add);
            config.set("history", history);
            byte[] configBytes = JSON.writeValueAsBytes(config);
            String configDigest = store(blobs, configBytes);

            ObjectNode manifest = JSON.createObjectNode()
                    .put("schemaVersion", 2)
                    .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
            manifest.putObject("config")
                    .put("mediaType", "application/vnd.oci.image.config.v1+json")
                    .put("digest", configDigest)
                    .put("size", configBytes.length);
            manifest.set("layers", layers);
            if (!spec.annotations().isEmpty()) {
                ObjectNode annotations = manifest.putObject("annotations");
                spec.annotations().forEach(annotations::put);
            }
            byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
            String manifestDigest = store(blobs, manifestBytes);
            ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
            index.putArray("manifests")
                    .addObject()
                    .put("mediaType", "application/vnd.oci.image.manifest.v1+json")
                    .put("digest", manifestDigest)
                    .put("size", manifestBytes.length)
                    .putObject("annotations")
                    .put("org.opencontainers.image.ref.name", tag);
            Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            return new Layout(dir, tag, diffIds, digests, sizes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String store(Path blobs, byte[] content) throws IOException {
        String digest = TestLayers.sha256(content);
        Files.write(blobs.resolve(digest.substring("sha256:".length())), content);
        return digest;
    }

    /** {@code skopeo copy oci:DIR:TAG docker://REGISTRY/REPOSITORY:TAG}; returns {@code host:port/repository:tag}. */
    public static String push(Layout layout, LocalRegistry registry, String repository) {
        String reference = registry.hostPort() + "/" + repository + ":" + layout.tag();
        List<String> command = new ArrayList<>(List.of("skopeo", "copy", "--quiet"));
        if (registry.isTls()) {
            try {
                Path certs = Files.createDirectories(
                        registry.caCertificate().getParent().resolve("skopeo-certs"));
                Files.copy(
                        registry.caCertificate(),
                        certs.resolve("ca.crt"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                command.addAll(List.of(
                        "--dest-cert-dir",
                        certs.toString(),
                        "--dest-creds",
                        registry.user() + ":" + registry.password()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            command.add("--dest-tls-verify=false");
        }
        command.add("oci:" + layout.dir() + ":" + layout.tag());
        command.add("docker://" + reference);
        Kubectl.Result result = Kubectl.runProcess(command, Map.of(), null, 120);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("skopeo copy to " + reference + " failed: " + result.stderr());
        }
        return reference;
    }

    /** {@code skopeo copy docker://REFERENCE docker-archive:FILE:NAME}: the {@code docker save} form dive reads. */
    public static Path dockerArchive(String reference, Path file) {
        String name = reference.substring(reference.indexOf('/') + 1);
        Kubectl.Result result = Kubectl.runProcess(
                List.of(
                        "skopeo",
                        "copy",
                        "--quiet",
                        "--src-tls-verify=false",
                        "docker://" + reference,
                        "docker-archive:" + file + ":" + name),
                Map.of(),
                null,
                120);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("skopeo copy to a docker-archive failed: " + result.stderr());
        }
        return file;
    }

    /** {@code umoci unpack --rootless}: the root filesystem a runtime would see. */
    public static Path unpack(Layout layout) {
        try {
            Path bundle = Files.createTempDirectory("imagesize-bundle-").resolve("bundle");
            Kubectl.Result result = Kubectl.runProcess(
                    List.of(
                            "umoci",
                            "unpack",
                            "--rootless",
                            "--image",
                            layout.dir() + ":" + layout.tag(),
                            bundle.toString()),
                    Map.of(),
                    null,
                    120);
            if (result.exitCode() != 0) {
                throw new IllegalStateException("umoci unpack failed: " + result.stderr());
            }
            return bundle.resolve("rootfs");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Σ sizes of the regular files under {@code root}, each inode once: what a container sees. */
    public static long regularFileBytes(Path root) {
        Map<Object, Long> inodes = new LinkedHashMap<>();
        try (var paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                if (Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Object inode = Files.getAttribute(path, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    inodes.put(inode, Files.size(path));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inodes.values().stream().mapToLong(Long::longValue).sum();
    }
}
