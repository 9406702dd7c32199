package dev.imagesize.assessment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.Platform;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The images a workload's containers ran, newest first, as the audit records them in the
 * {@value #ANNOTATION} annotation: per container, the image as written, the digest it had, when the audit first saw it
 * and its compressed size per platform. It is what the audit compares a new image with (maxGrowth) and what shows a
 * workload's size over its last releases.
 *
 * <p>Bounded: at most {@value #PER_CONTAINER} images per container, {@value #MAX_ENTRIES} in all (each container keeps
 * its newest first), {@value #MAX_TEXT} characters of text, only containers the workload still has. Users can edit
 * annotations, so reading is defensive: text over {@value #MAX_READ} characters, or that is not a list, is no history;
 * an entry that is malformed is skipped.
 */
public record SizeHistory(List<Entry> entries) {
    public static final String ANNOTATION = "imagesize.dev/size-history";
    /** Images kept per container. */
    public static final int PER_CONTAINER = 5;
    /** Entries kept in all. */
    public static final int MAX_ENTRIES = 40;
    /** Longest text written. */
    public static final int MAX_TEXT = 8 * 1024;
    /** Longer annotations are not read at all. */
    static final int MAX_READ = 64 * 1024;
    /** Platforms kept per entry. */
    static final int MAX_PLATFORMS = 8;

    public static final SizeHistory EMPTY = new SizeHistory(List.of());

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+:[a-f0-9]{32,128}");
    /** A container slot: a DNS label, maybe prefixed by init: or ephemeral:. */
    private static final int MAX_SLOT_LENGTH = 300;

    public SizeHistory {
        entries = List.copyOf(entries);
    }

    /**
     * One image one container ran.
     *
     * @param container the container's slot ({@code api}, {@code init:migrate}; see {@code Container.slot()})
     * @param image the image as the pod spec wrote it
     * @param digest the digest it resolved to (an index's, or the manifest's)
     * @param time when the audit first saw the container run it
     * @param sizes compressed size per platform measured
     */
    public record Entry(String container, String image, String digest, Instant time, Map<Platform, Long> sizes) {
        public Entry {
            sizes = Map.copyOf(sizes);
        }

        /** The largest of its sizes (the platform that matters most for a budget); 0 when none. */
        public long largestSize() {
            return sizes.values().stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }

    /** What the audit measured of one container just now. */
    public record Measured(String container, String image, String digest, Map<Platform, Long> sizes) {
        public Measured {
            sizes = Map.copyOf(sizes);
        }
    }

    /** The history in a workload's annotations; empty when there is none or it cannot be read. */
    public static SizeHistory of(Map<String, String> annotations) {
        return annotations == null ? EMPTY : parse(annotations.get(ANNOTATION));
    }

    /** Reads the annotation's text; empty when it is absent, too long or not a list. Malformed entries are skipped. */
    public static SizeHistory parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_READ) {
            return EMPTY;
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return EMPTY;
        }
        if (root == null || !root.isArray()) {
            return EMPTY;
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode node : root) {
            Entry entry = entry(node);
            if (entry != null) {
                entries.add(entry);
            }
            if (entries.size() >= MAX_ENTRIES) {
                break;
            }
        }
        return new SizeHistory(entries);
    }

    private static Entry entry(JsonNode node) {
        String container = node.path("container").asText(null);
        String image = node.path("image").asText(null);
        String digest = node.path("digest").asText(null);
        String time = node.path("time").asText(null);
        if (container == null
                || container.length() > MAX_SLOT_LENGTH
                || image == null
                || image.length() > ImageRef.MAX_REFERENCE_LENGTH
                || !image.equals(ImageRef.printable(image))
                || digest == null
                || !DIGEST.matcher(digest).matches()
                || time == null
                || !node.path("sizes").isObject()) {
            return null;
        }
        Instant at;
        try {
            at = Instant.parse(time);
        } catch (DateTimeParseException e) {
            return null;
        }
        Map<Platform, Long> sizes = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.path("sizes").fields();
        while (fields.hasNext() && sizes.size() < MAX_PLATFORMS) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().canConvertToLong() || field.getValue().asLong() < 0) {
                return null;
            }
            try {
                sizes.put(Platform.parse(field.getKey()), field.getValue().asLong());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return new Entry(container, image, digest, at, sizes);
    }

    /** The text of the annotation, or "" when there is nothing to record. */
    public String text() {
        if (entries.isEmpty()) {
            return "";
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Entry entry : entries) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("container", entry.container());
            json.put("image", entry.image());
            json.put("digest", entry.digest());
            json.put("time", entry.time().toString());
            Map<String, Long> sizes = new TreeMap<>();
            entry.sizes().forEach((platform, bytes) -> sizes.put(platform.toString(), bytes));
            json.put("sizes", sizes);
            list.add(json);
        }
        try {
            return JSON.writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The images {@code container} ran, newest first. */
    public List<Entry> of(String container) {
        return entries.stream().filter(e -> e.container().equals(container)).toList();
    }

    /** The images {@code container} ran, newest first, as candidates for what a new image replaces. */
    public List<Previous> candidates(String container) {
        return of(container).stream()
                .map(e -> Previous.recorded(e.image(), e.digest(), e.sizes()))
                .toList();
    }

    /** The newest image {@code container} ran that is not {@code currentDigest}: what the current image replaced. */
    public Optional<Entry> replacedBy(String container, String currentDigest) {
        return of(container).stream()
                .filter(e -> !e.digest().equals(currentDigest))
                .findFirst();
    }

    /** The newest record of {@code container} whose image is {@code image} as written. */
    public Optional<Entry> latestOf(String container, String image) {
        return of(container).stream().filter(e -> e.image().equals(image)).findFirst();
    }

    /**
     * This history with what was measured {@code now}: a container whose digest differs from its newest record gets a
     * new entry at {@code time} (a rollout, or a tag that moved); the newest record of an unchanged one gains platforms
     * it did not have. Only containers in {@code containers} (the workload's now) are kept, within the bounds.
     */
    public SizeHistory record(Collection<Measured> now, Set<String> containers, Instant time) {
        Instant at = time.truncatedTo(ChronoUnit.SECONDS);
        List<Entry> added = new ArrayList<>();
        Map<Entry, Entry> merged = new HashMap<>();
        for (Measured measured : now) {
            Entry newest = of(measured.container()).stream().findFirst().orElse(null);
            if (newest == null || !newest.digest().equals(measured.digest())) {
                added.add(new Entry(
                        measured.container(), measured.image(), measured.digest(), at, bounded(measured.sizes())));
            } else if (!newest.sizes().keySet().containsAll(measured.sizes().keySet())) {
                Map<Platform, Long> sizes = new HashMap<>(measured.sizes());
                sizes.putAll(newest.sizes());
                merged.put(
                        newest,
                        new Entry(newest.container(), newest.image(), newest.digest(), newest.time(), bounded(sizes)));
            }
        }
        List<Entry> all = new ArrayList<>(added);
        for (Entry entry : entries) {
            all.add(merged.getOrDefault(entry, entry));
        }
        return bounded(all, containers);
    }

    private static Map<Platform, Long> bounded(Map<Platform, Long> sizes) {
        if (sizes.size() <= MAX_PLATFORMS) {
            return sizes;
        }
        Map<Platform, Long> kept = new HashMap<>();
        sizes.entrySet().stream()
                .sorted(Map.Entry.comparingByKey((a, b) -> a.toString().compareTo(b.toString())))
                .limit(MAX_PLATFORMS)
                .forEach(e -> kept.put(e.getKey(), e.getValue()));
        return kept;
    }

    private static SizeHistory bounded(List<Entry> newestFirst, Set<String> containers) {
        Map<String, Integer> perContainer = new HashMap<>();
        List<Entry> kept = new ArrayList<>();
        for (Entry entry : newestFirst) {
            if (!containers.contains(entry.container())) {
                continue;
            }
            int count = perContainer.merge(entry.container(), 1, Integer::sum);
            if (count <= PER_CONTAINER) {
                kept.add(entry);
            }
        }
        // the newest of each container first, then the others newest first, up to the count bound
        Set<String> seen = new HashSet<>();
        List<Entry> chosen = new ArrayList<>();
        for (Entry entry : kept) {
            if (seen.add(entry.container()) && chosen.size() < MAX_ENTRIES) {
                chosen.add(entry);
            }
        }
        for (Entry entry : kept) {
            if (!chosen.contains(entry) && chosen.size() < MAX_ENTRIES) {
                chosen.add(entry);
            }
        }
        List<Entry> ordered =
                new ArrayList<>(kept.stream().filter(chosen::contains).toList());
        SizeHistory history = new SizeHistory(ordered);
        while (history.text().length() > MAX_TEXT && !ordered.isEmpty()) {
            int drop = ordered.size() - 1;
            for (int i = ordered.size() - 1; i >= 0; i--) {
                String container = ordered.get(i).container();
                if (ordered.stream()
                                .filter(e -> e.container().equals(container))
                                .count()
                        > 1) {
                    drop = i;
                    break;
                }
            }
            ordered.remove(drop);
            history = new SizeHistory(ordered);
        }
        return history;
    }
}
