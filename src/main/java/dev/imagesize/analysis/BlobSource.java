package dev.imagesize.analysis;

import dev.imagesize.Deadline;
import dev.imagesize.registry.RegistryCredential;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * Where layer and config blobs (and the platform manifest) come from. The analysis reads blobs only through this
 * port, so the registry transport can change without touching it.
 *
 * <p>Contract of {@link #open}: the stream delivers the blob's bytes; it reports end-of-stream only after the whole
 * blob arrived and its digest matched, and throws {@link LayerProblem} (kind {@code FETCH_FAILED},
 * {@code COMPRESSED_TOO_LARGE} or {@code TOO_SLOW}) otherwise; it never delivers more than {@code maxBytes};
 * {@code close()} before the end cancels the download.
 */
public interface BlobSource extends AutoCloseable {

    /**
     * A repository to read from and the credential to use.
     *
     * @param registry registry host as in the image reference ({@code docker.io}, {@code host:5000})
     * @param repository repository path ({@code library/nginx})
     * @param credential the credential, or null for anonymous access
     */
    record Location(String registry, String repository, RegistryCredential credential) {
        @Override
        public String toString() {
            return registry + "/" + repository; // never the credential
        }
    }

    /**
     * One blob to read.
     *
     * @param location where
     * @param digest the blob's digest ({@code sha256:...})
     * @param maxBytes refuse to deliver more than this
     * @param deadline give up at this time
     */
    record Request(Location location, String digest, long maxBytes, Deadline deadline) {}

    /**
     * A platform image manifest, as the analysis needs it.
     *
     * @param digest its digest (verified)
     * @param configDigest the config blob's digest
     * @param configSize the config blob's size
     * @param layers layer descriptors in order
     * @param annotations manifest annotations (empty when the transport cannot see them)
     */
    record ImageManifest(
            String digest,
            String configDigest,
            long configSize,
            List<ImageFacts.Descriptor> layers,
            Map<String, String> annotations) {}

    /** Opens a blob; see the class comment for the contract. */
    InputStream open(Request request) throws LayerProblem;

    /** Reads the image manifest {@code digest} of {@code location}, verifying its digest. */
    ImageManifest manifest(Location location, String digest, Deadline deadline) throws LayerProblem;

    /** Releases connections and threads. */
    @Override
    void close();

    /** Reads a whole small blob (a config) within its limit. */
    default byte[] readAll(Request request) throws LayerProblem {
        try (InputStream in = open(request)) {
            return in.readAllBytes();
        } catch (LayerProblem problem) {
            throw problem;
        } catch (IOException e) {
            throw new LayerProblem(
                    LayerProblem.Kind.FETCH_FAILED, "reading " + request.digest() + " failed: " + e.getMessage());
        }
    }
}
