package dev.imagesize.analysis;

import java.util.List;
import java.util.Map;

/**
 * What one pass over a layer learned, keyed by the layer's diffID: every entry's metadata in tar order, sizes, and
 * the few small files base detection and findings read. Independent of the image the layer came in.
 *
 * @param diffId SHA-256 of the uncompressed tar stream, verified
 * @param compression {@code gzip}, {@code zstd} or {@code none}, as sniffed from the blob's first bytes
 * @param entries tar entries in stream order
 * @param tarBytes length of the uncompressed tar stream
 * @param diveSizeBytes sum of every header's size: dive's and {@code docker history}'s layer size
 * @param fileBytes sum of regular-file sizes (hardlinks count 0)
 * @param skippedEntries entries left out because a name was over the path limits
 * @param paxGlobalHeader whether the layer has a PAX global header, on which dive fails
 * @param capturedFiles small files read whole (os-release, npm's hidden lockfile), by rooted path
 */
public record LayerIndex(
        String diffId,
        String compression,
        List<LayerEntry> entries,
        long tarBytes,
        long diveSizeBytes,
        long fileBytes,
        int skippedEntries,
        boolean paxGlobalHeader,
        Map<String, String> capturedFiles) {

    public LayerIndex {
        entries = List.copyOf(entries);
        capturedFiles = Map.copyOf(capturedFiles);
    }

    /** A rough heap weight, for the cache's bound. */
    public long weightBytes() {
        long weight = 256;
        for (LayerEntry entry : entries) {
            weight += 96
                    + 2L * entry.name().length()
                    + (entry.linkName() == null ? 0 : 48 + 2L * entry.linkName().length());
        }
        for (String text : capturedFiles.values()) {
            weight += 2L * text.length();
        }
        return weight;
    }
}
