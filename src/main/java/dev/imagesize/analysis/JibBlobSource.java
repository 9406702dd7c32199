package dev.imagesize.analysis;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.imagesize.Deadline;
import dev.imagesize.registry.RegistryCredential;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Blobs through jib-core's {@link RegistryClient#pullBlob}: the same protocol, credentials and insecure-registry rule
 * as the resolver. jib pushes bytes into an OutputStream and verifies the digest after the last byte, so each
 * download runs on its own thread into a {@link BlobPipe}. One {@link FailoverHttpClient} per mode, shut down on
 * {@link #close()} (it keeps every connection it made until then). jib's manifest templates drop annotations, so
 * {@link #manifest} reports none.
 */
public final class JibBlobSource implements BlobSource {
    private final Set<String> insecureRegistries;
    private final FailoverHttpClient secureHttp = new FailoverHttpClient(false, false, event -> {});
    private final FailoverHttpClient insecureHttp = new FailoverHttpClient(true, false, event -> {});
    private final Map<Location, RegistryClient> clients = new ConcurrentHashMap<>();
    private final ExecutorService downloads;

    public JibBlobSource(Set<String> insecureRegistries) {
        this.insecureRegistries = Set.copyOf(insecureRegistries);
        AtomicInteger number = new AtomicInteger();
        this.downloads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "imagesize-blob-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public InputStream open(Request request) throws LayerProblem {
        DescriptorDigest digest = digest(request.digest());
        RegistryClient client = client(request.location());
        String what = "blob " + request.digest() + " of " + request.location();
        BlobPipe pipe = new BlobPipe(16, request.maxBytes(), request.deadline(), what);
        downloads.execute(() -> {
            OutputStream sink = pipe.sink();
            try {
                client.pullBlob(digest, size -> {}, written -> {}).writeTo(sink);
                pipe.finish(sink);
            } catch (LayerProblem problem) {
                pipe.fail(problem);
            } catch (IOException | RuntimeException e) {
                pipe.fail(
                        new LayerProblem(LayerProblem.Kind.FETCH_FAILED, what + " could not be read: " + describe(e)));
            }
        });
        return pipe.source();
    }

    @Override
    public ImageManifest manifest(Location location, String digest, Deadline deadline) throws LayerProblem {
        RegistryClient client = client(location);
        ManifestAndDigest<ManifestTemplate> pulled;
        try {
            pulled = client.pullManifest(digest);
        } catch (IOException | RegistryException | RuntimeException e) {
            throw new LayerProblem(
                    LayerProblem.Kind.FETCH_FAILED, "manifest " + digest + " of " + location + ": " + describe(e));
        }
        if (!pulled.getDigest().toString().equals(digest)) {
            throw new LayerProblem(
                    LayerProblem.Kind.FETCH_FAILED,
                    "registry answered manifest " + digest + " of " + location + " with " + pulled.getDigest());
        }
        if (!(pulled.getManifest() instanceof BuildableManifestTemplate image)
                || image.getContainerConfiguration() == null) {
            throw new LayerProblem(
                    LayerProblem.Kind.UNSUPPORTED,
                    "manifest " + digest + " of " + location + " is not an image manifest");
        }
        List<ImageFacts.Descriptor> layers = new ArrayList<>();
        List<String> mediaTypes = LayerMediaTypes.of(image);
        for (int i = 0; i < image.getLayers().size(); i++) {
            var layer = image.getLayers().get(i);
            layers.add(new ImageFacts.Descriptor(
                    Objects.toString(layer.getDigest(), ""), layer.getSize(), mediaTypes.get(i)));
        }
        return new ImageManifest(
                digest,
                image.getContainerConfiguration().getDigest().toString(),
                image.getContainerConfiguration().getSize(),
                layers,
                Map.of());
    }

    private RegistryClient client(Location location) throws LayerProblem {
        RegistryClient cached = clients.get(location);
        if (cached != null) {
            return cached;
        }
        boolean insecure = insecureRegistries.contains(location.registry());
        String host = "docker.io".equals(location.registry()) ? "registry-1.docker.io" : location.registry();
        RegistryClient.Factory factory = RegistryClient.factory(
                        EventHandlers.NONE, host, location.repository(), insecure ? insecureHttp : secureHttp)
                .setUserAgent("image-size-operator");
        RegistryCredential credential = location.credential();
        if (credential != null) {
            factory.setCredential(Credential.from(credential.username(), credential.password()));
        }
        RegistryClient client = factory.newRegistryClient();
        try {
            if (!client.doPullBearerAuth() && credential != null) {
                client.configureBasicAuth();
            }
        } catch (IOException | RegistryException | RuntimeException e) {
            throw new LayerProblem(
                    LayerProblem.Kind.FETCH_FAILED,
                    "cannot authenticate to " + location.registry() + ": " + describe(e));
        }
        clients.put(location, client);
        return client;
    }

    private static DescriptorDigest digest(String digest) throws LayerProblem {
        try {
            return DescriptorDigest.fromDigest(digest);
        } catch (DigestException e) {
            throw new LayerProblem(LayerProblem.Kind.FETCH_FAILED, "invalid digest " + digest);
        }
    }

    /** The first line of what went wrong; jib's messages never carry credentials. */
    private static String describe(Exception e) {
        Throwable cause = e;
        String message = e.getMessage();
        while ((message == null || message.isBlank()) && cause.getCause() != null) {
            cause = cause.getCause();
            message = cause.getMessage();
        }
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }

    @Override
    public void close() {
        downloads.shutdownNow();
        try {
            secureHttp.shutDown();
            insecureHttp.shutDown();
        } catch (IOException ignored) {
            // connections are going away with the process anyway
        }
    }
}
