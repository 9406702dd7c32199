package dev.imagesize.report;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.zip.CRC32;

/**
 * Splits one namespace's results (or the cluster's) into reports that each stay under a byte budget, since etcd
 * refuses objects over 1.5 MiB and a namespace can hold thousands of workloads. Pure.
 *
 * <p>A report that fits is one object named {@value #BASE_NAME}. Beyond the budget, the results are spread over a
 * power of two of parts ({@code image-size-operator-1-of-4} ...) by a hash of the object they are about, so all of a
 * workload's results stay together and a workload that comes or goes changes one part only. The number of parts
 * doubles until every part fits; it halves again only when the halves fit in three quarters of the budget, so a
 * namespace near a boundary does not rewrite every part each time one workload comes and goes. At the most parts
 * allowed, a part that still does not fit leaves results out: passes first, then skips, warnings, errors, and failures
 * last, and says how many.
 */
public final class ReportParts {
    /** The name of a namespace's report, and the prefix of its parts. */
    public static final String BASE_NAME = "image-size-operator";

    /** Bytes of a report besides its results: metadata, summary, envelope. */
    static final int ENVELOPE_BYTES = 2048;

    /** The results order within a part: by object, then policy. */
    private static final Comparator<ReportResult> ORDER = Comparator.comparing(
                    (ReportResult r) -> r.resource().kind())
            .thenComparing(r -> r.resource().name())
            .thenComparing(r -> r.resource().identity())
            .thenComparing(ReportResult::policy);

    private ReportParts() {}

    /**
     * One report object.
     *
     * @param omitted results of this part left out to stay under the budget
     */
    public record Part(String name, int index, int of, List<ReportResult> results, int omitted) {
        public Part {
            results = List.copyOf(results);
        }
    }

    /**
     * The parts of one scope.
     *
     * @param results a scope's results (any order)
     * @param sizeOf the bytes a result takes in a report
     * @param maxBytes the budget of one report
     * @param maxParts parts at most (a power of two is used: the largest one not above it)
     * @param currentParts how many parts the scope has now (0 or 1 for one report)
     */
    public static List<Part> split(
            List<ReportResult> results,
            ToIntFunction<ReportResult> sizeOf,
            int maxBytes,
            int maxParts,
            int currentParts) {
        if (results.isEmpty()) {
            return List.of();
        }
        int budget = Math.max(1, maxBytes - ENVELOPE_BYTES);
        int limit = Integer.highestOneBit(Math.max(1, maxParts));
        long[] hashes = new long[results.size()];
        int[] sizes = new int[results.size()];
        for (int i = 0; i < results.size(); i++) {
            hashes[i] = hash(results.get(i).resource().identity());
            sizes[i] = sizeOf.applyAsInt(results.get(i));
        }
        int parts = 1;
        while (parts < limit && !fits(hashes, sizes, parts, budget)) {
            parts *= 2;
        }
        int current = Integer.highestOneBit(Math.max(1, Math.min(currentParts, limit)));
        if (current > parts && !fits(hashes, sizes, parts, budget / 4 * 3)) {
            parts = current; // keep the split it has until the halves fit comfortably
        }
        List<List<ReportResult>> buckets = new ArrayList<>(parts);
        List<long[]> bucketBytes = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            buckets.add(new ArrayList<>());
            bucketBytes.add(new long[1]);
        }
        for (int i = 0; i < results.size(); i++) {
            int p = bucket(hashes[i], parts);
            buckets.get(p).add(results.get(i));
            bucketBytes.get(p)[0] += sizes[i];
        }
        List<Part> split = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            List<ReportResult> bucket = buckets.get(p);
            if (bucket.isEmpty()) {
                continue;
            }
            int omitted = 0;
            if (bucketBytes.get(p)[0] > budget) {
                List<ReportResult> kept = keepMostImportant(bucket, sizeOf, budget);
                omitted = bucket.size() - kept.size();
                bucket = kept;
            }
            List<ReportResult> ordered = new ArrayList<>(bucket);
            ordered.sort(ORDER);
            split.add(new Part(name(p, parts), p + 1, parts, ordered, omitted));
        }
        return split;
    }

    /** {@code image-size-operator}, or {@code image-size-operator-2-of-4} for the second of four parts. */
    public static String name(int index, int parts) {
        return parts == 1 ? BASE_NAME : BASE_NAME + "-" + (index + 1) + "-of-" + parts;
    }

    private static boolean fits(long[] hashes, int[] sizes, int parts, long budget) {
        long[] bytes = new long[parts];
        for (int i = 0; i < hashes.length; i++) {
            int p = bucket(hashes[i], parts);
            bytes[p] += sizes[i];
            if (bytes[p] > budget) {
                return false;
            }
        }
        return true;
    }

    private static List<ReportResult> keepMostImportant(
            List<ReportResult> bucket, ToIntFunction<ReportResult> sizeOf, int budget) {
        List<ReportResult> byImportance = new ArrayList<>(bucket);
        byImportance.sort(Comparator.comparing(ReportResult::result).thenComparing(ORDER));
        List<ReportResult> kept = new ArrayList<>();
        long bytes = 0;
        for (ReportResult result : byImportance) {
            int size = sizeOf.applyAsInt(result);
            if (bytes + size > budget) {
                break; // what matters less than this is left out too, so the order of importance holds
            }
            kept.add(result);
            bytes += size;
        }
        return kept;
    }

    private static int bucket(long hash, int parts) {
        return (int) Math.floorMod(hash, (long) parts);
    }

    /** A hash that is the same in every JVM and release (not String.hashCode's, which could change with the JDK). */
    private static long hash(String identity) {
        CRC32 crc = new CRC32();
        crc.update(identity.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
