package dev.imagesize.content;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images an admission review found without analysis, remembered in this replica's memory only (bounded, one entry per
 * digest, oldest dropped first). A background publisher of the same replica drains them and creates the Pending
 * ImageAnalysis objects after the review is answered, so an admission review never waits for the API server.
 */
public final class AdmissionMisses {
    private final int capacity;
    private final Map<String, Miss> byDigest;

    /**
     * One image to analyse, with where to read it and whose pull secrets may.
     *
     * @param image the image as written in the pod spec
     */
    public record Miss(
            String digest,
            String platform,
            String registry,
            String repository,
            String namespace,
            String serviceAccountName,
            List<String> imagePullSecrets,
            String image) {
        public Miss {
            imagePullSecrets = List.copyOf(imagePullSecrets);
        }
    }

    public AdmissionMisses(int capacity) {
        this.capacity = capacity;
        this.byDigest = new LinkedHashMap<>(16, 0.75f, false);
    }

    /** Remembers {@code miss}; a digest already remembered is not added twice; the oldest goes past the capacity. */
    public synchronized void record(Miss miss) {
        if (byDigest.putIfAbsent(miss.digest(), miss) == null && byDigest.size() > capacity) {
            byDigest.remove(byDigest.keySet().iterator().next());
        }
    }

    /** Takes at most {@code max} misses, oldest first. */
    public synchronized List<Miss> drain(int max) {
        List<Miss> taken = new ArrayList<>();
        for (var it = byDigest.values().iterator(); it.hasNext() && taken.size() < max; ) {
            taken.add(it.next());
            it.remove();
        }
        return taken;
    }

    /** Forgets a digest whose analysis now exists. */
    public synchronized void forget(String digest) {
        byDigest.remove(digest);
    }

    public synchronized int size() {
        return byDigest.size();
    }
}
