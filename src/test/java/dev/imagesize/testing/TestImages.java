package dev.imagesize.testing;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.OciManifestTemplate;
import com.google.cloud.tools.jib.image.json.V22ManifestTemplate;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.imagesize.image.Platform;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Pushes images of exact, known sizes to a {@link LocalRegistry}: blobs and image manifests with jib-core's
 * RegistryClient; indexes as raw JSON over HTTP, because jib-core's index templates cannot carry a platform
 * {@code variant} or attestation annotations.
 */
public final class TestImages {
    private TestImages() {}

    /** Manifest formats an image can be pushed in. */
    public enum Format {
        DOCKER,
        OCI
    }

    /**
     * One pushed image manifest.
     *
     * @param digest the manifest's digest
     * @param configSize bytes of the config blob
     * @param layerSizes bytes of each layer, in manifest order
     */
    public record Pushed(
            LocalRegistry registry,
            String repository,
            String tag,
            String digest,
            Platform platform,
            long configSize,
            List<Long> layerSizes) {

        /** Config + layers: what the resolver must report. */
        public long compressedSize() {
            return configSize + layerSizes.stream().mapToLong(Long::longValue).sum();
        }

        /** {@code host:port/repo:tag}. */
        public String reference() {
            return registry.hostPort() + "/" + repository + ":" + tag;
        }

        /** {@code host:port/repo@sha256:...}. */
        public String byDigest() {
            return registry.hostPort() + "/" + repository + "@" + digest;
        }
    }

    /** Pushes a linux/amd64 image whose layers have exactly {@code layerSizes} bytes. */
    public static Pushed push(
            LocalRegistry registry, String repository, String tag, Format format, long... layerSizes) {
        return push(registry, repository, tag, format, Platform.LINUX_AMD64, layerSizes);
    }

    /** Pushes an image for {@code platform}; {@code tag} may be null to push by digest only. */
    public static Pushed push(
            LocalRegistry registry,
            String repository,
            String tag,
            Format format,
            Platform platform,
            long... layerSizes) {
        try {
            RegistryClient client = client(registry, repository);
            Random random = new Random((repository + ":" + tag + ":" + platform).hashCode());
            List<String> diffIds = new ArrayList<>();
            BuildableManifestTemplate manifest =
                    format == Format.OCI ? new OciManifestTemplate() : new V22ManifestTemplate();
            List<Long> sizes = new ArrayList<>();
            for (long size : layerSizes) {
                byte[] layer = new byte[Math.toIntExact(size)];
                random.nextBytes(layer);
                DescriptorDigest digest = pushBlob(client, layer);
                manifest.addLayer(size, digest);
                diffIds.add(digest.toString());
                sizes.add(size);
            }
            String config = "{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"" + platform.os() + "\""
                    + (platform.variant() == null ? "" : ",\"variant\":\"" + platform.variant() + "\"")
                    + ",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                    + String.join(
                            ",", diffIds.stream().map(d -> "\"" + d + "\"").toList()) + "]}}";
            byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
            manifest.setContainerConfiguration(configBytes.length, pushBlob(client, configBytes));
            String target = tag != null ? tag : "untagged-" + Integer.toHexString(random.nextInt());
            DescriptorDigest digest = client.pushManifest(manifest, target);
            return new Pushed(registry, repository, tag, digest.toString(), platform, configBytes.length, sizes);
        } catch (IOException | RegistryException e) {
            throw new IllegalStateException("push to " + registry.hostPort() + "/" + repository + " failed: " + e, e);
        }
    }

    /**
     * Pushes an index over {@code images} (same repository), optionally with an attestation entry pointing at the
     * first image, and returns its digest.
     */
    public static String pushIndex(
            LocalRegistry registry,
            String repository,
            String tag,
            boolean oci,
            boolean attestation,
            List<Pushed> images) {
        String childType = oci
                ? "application/vnd.oci.image.manifest.v1+json"
                : "application/vnd.docker.distribution.manifest.v2+json";
        String indexType = oci
                ? "application/vnd.oci.image.index.v1+json"
                : "application/vnd.docker.distribution.manifest.list.v2+json";
        List<String> entries = new ArrayList<>();
        for (Pushed image : images) {
            long size = manifestBytes(registry, repository, image.digest(), childType).length;
            Platform p = image.platform();
            entries.add("{\"mediaType\":\"" + childType + "\",\"digest\":\"" + image.digest() + "\",\"size\":" + size
                    + ",\"platform\":{\"architecture\":\"" + p.architecture() + "\",\"os\":\"" + p.os() + "\""
                    + (p.variant() == null ? "" : ",\"variant\":\"" + p.variant() + "\"") + "}}");
        }
        if (attestation) {
            Pushed statement =
                    push(registry, repository, null, Format.OCI, new Platform("unknown", "unknown", null), 333);
            long size = manifestBytes(
                            registry, repository, statement.digest(), "application/vnd.oci.image.manifest.v1+json")
                    .length;
            entries.add("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                    + statement.digest()
                    + "\",\"size\":" + size + ",\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},"
                    + "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\","
                    + "\"vnd.docker.reference.digest\":\"" + images.get(0).digest() + "\"}}");
        }
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + indexType + "\",\"manifests\":["
                + String.join(",", entries) + "]}";
        byte[] body = index.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder put = HttpRequest.newBuilder(
                        URI.create(registry.baseUrl() + "/v2/" + repository + "/manifests/" + tag))
                .header("Content-Type", indexType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        if (registry.basicAuth() != null) {
            put.header("Authorization", registry.basicAuth());
        }
        try {
            HttpResponse<String> response =
                    registry.httpClient().send(put.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 201) {
                throw new IllegalStateException(
                        "index push answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("index push failed: " + e, e);
        }
        return "sha256:" + sha256(body);
    }

    /** The raw bytes of a stored manifest. */
    public static byte[] manifestBytes(LocalRegistry registry, String repository, String reference, String accept) {
        HttpRequest.Builder get = HttpRequest.newBuilder(
                        URI.create(registry.baseUrl() + "/v2/" + repository + "/manifests/" + reference))
                .header("Accept", accept);
        if (registry.basicAuth() != null) {
            get.header("Authorization", registry.basicAuth());
        }
        try {
            HttpResponse<byte[]> response =
                    registry.httpClient().send(get.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("manifest GET answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code skopeo inspect --raw}: the stored manifest as the real skopeo reads it. */
    public static String skopeoInspectRaw(LocalRegistry registry, String reference) {
        List<String> command = new ArrayList<>(List.of("skopeo", "inspect", "--raw"));
        if (registry.isTls()) {
            command.addAll(List.of(
                    "--cert-dir",
                    registry.caCertificate().getParent().resolve("skopeo-certs").toString(),
                    "--creds",
                    registry.user() + ":" + registry.password()));
            try {
                var certs = registry.caCertificate().getParent().resolve("skopeo-certs");
                java.nio.file.Files.createDirectories(certs);
                java.nio.file.Files.copy(
                        registry.caCertificate(),
                        certs.resolve("ca.crt"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else {
            command.add("--tls-verify=false");
        }
        command.add("docker://" + reference);
        try {
            Process process = new ProcessBuilder(command).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("skopeo inspect failed: " + err);
            }
            return out;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("cannot run skopeo: " + e, e);
        }
    }

    private static RegistryClient client(LocalRegistry registry, String repository)
            throws IOException, RegistryException {
        RegistryClient.Factory factory = RegistryClient.factory(
                EventHandlers.NONE,
                registry.hostPort(),
                repository,
                new FailoverHttpClient(!registry.isTls(), true, e -> {}));
        if (registry.user() != null) {
            factory.setCredential(Credential.from(registry.user(), registry.password()));
        }
        RegistryClient client = factory.newRegistryClient();
        if (!client.doPushBearerAuth() && registry.user() != null) {
            client.configureBasicAuth();
        }
        return client;
    }

    private static DescriptorDigest pushBlob(RegistryClient client, byte[] content)
            throws IOException, RegistryException {
        try {
            DescriptorDigest digest = DescriptorDigest.fromHash(sha256(content));
            client.pushBlob(digest, Blobs.from(new ByteArrayInputStream(content)), null, written -> {});
            return digest;
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
