package dev.imagesize.analysis;

import dev.imagesize.Deadline;
import dev.imagesize.image.ResolveError;
import dev.imagesize.registry.BlobStream;
import dev.imagesize.registry.ManifestSource;
import dev.imagesize.registry.RegistryClient;
import dev.imagesize.registry.RegistryFailure;
import dev.imagesize.registry.http.TransportException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Blobs and manifests through the project's pooled registry transport ({@link RegistryClient#openBlob} and
 * {@link RegistryClient#manifestBytes}): the same connections, tokens, credential rules, redirect and address guards as
 * the resolver, two blob slots per registry that never take an admission slot, the byte cap and deadline enforced while
 * the body streams, and the digest checked at the end. The raw manifest gives its annotations, so base detection sees
 * {@code org.opencontainers.image.base.*} on the manifest too.
 */
public final class RegistryBlobSource implements BlobSource {
    private final RegistryClient registries;
    private final int maxLayers;
    private final boolean owned;

    /**
     * @param registries the client to use
     * @param maxLayers manifests with more layers are refused while they are read
     * @param owned whether {@link #close()} closes {@code registries} too (a command line that made it for this use)
     */
    public RegistryBlobSource(RegistryClient registries, int maxLayers, boolean owned) {
        this.registries = registries;
        this.maxLayers = maxLayers;
        this.owned = owned;
    }

    @Override
    public InputStream open(Request request) throws LayerProblem {
        String what = "blob " + request.digest() + " of " + request.location();
        BlobStream stream = await(
                registries.openBlob(new RegistryClient.BlobRequest(
                        repository(request.location()), request.digest(), request.maxBytes(), request.deadline())),
                request.deadline(),
                what);
        return new Checked(stream, what, request.maxBytes());
    }

    @Override
    public ImageManifest manifest(Location location, String digest, Deadline deadline) throws LayerProblem {
        byte[] body = await(
                registries.manifestBytes(repository(location), digest, deadline),
                deadline,
                "manifest " + digest + " of " + location);
        return ManifestReader.read(body, digest, maxLayers);
    }

    private static ManifestSource.Repository repository(Location location) {
        return new ManifestSource.Repository(location.registry(), location.repository(), location.credential());
    }

    /** The future's value by the deadline, or the registry's error as a problem (retryable when it is transient). */
    private static <T> T await(CompletableFuture<T> future, Deadline deadline, String what) throws LayerProblem {
        try {
            return future.get(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            future.thenAccept(RegistryBlobSource::closeIfStream); // arrived after all: free its slot
            throw new LayerProblem(LayerProblem.Kind.TOO_SLOW, what + " did not arrive before the deadline");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.thenAccept(RegistryBlobSource::closeIfStream);
            throw new LayerProblem(LayerProblem.Kind.FETCH_FAILED, what + ": interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RegistryFailure failure) {
                ResolveError error = failure.error();
                throw new LayerProblem(LayerProblem.Kind.FETCH_FAILED, error.message(), error.isTransient());
            }
            throw new LayerProblem(
                    LayerProblem.Kind.FETCH_FAILED,
                    what + " could not be read (" + e.getCause().getClass().getSimpleName() + ")");
        }
    }

    private static void closeIfStream(Object value) {
        if (value instanceof BlobStream stream) {
            stream.close();
        }
    }

    @Override
    public void close() {
        if (owned) {
            registries.close();
        }
    }

    /** The blob's bytes, with the transport's failures as the port's problems. */
    private static final class Checked extends FilterInputStream {
        private final String what;
        private final long maxBytes;

        Checked(BlobStream in, String what, long maxBytes) {
            super(in);
            this.what = what;
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            try {
                return super.read(into, offset, length);
            } catch (TransportException e) {
                throw switch (e.reason()) {
                    case TOO_LARGE ->
                        new LayerProblem(
                                LayerProblem.Kind.COMPRESSED_TOO_LARGE,
                                what + " is over the " + maxBytes + "-byte limit (or its manifest size)");
                    case DEADLINE -> new LayerProblem(LayerProblem.Kind.TOO_SLOW, what + ": gave up at the deadline");
                    default -> new LayerProblem(LayerProblem.Kind.FETCH_FAILED, what + ": " + e.getMessage());
                };
            } catch (LayerProblem e) {
                throw e;
            } catch (IOException e) {
                // a broken connection, or the stream's own check: the blob arrived with other content than its digest
                throw new LayerProblem(LayerProblem.Kind.FETCH_FAILED, what + ": " + e.getMessage());
            }
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buffer = new byte[(int) Math.min(Math.max(n, 0), 8192)];
            int read = read(buffer, 0, buffer.length);
            return Math.max(read, 0);
        }
    }
}
