package dev.imagesize.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the bad-input battery tried and how each input went: per family, inputs tried, inputs handled within bounds,
 * the slowest and the largest heap growth; then every input with its outcome. Written as Markdown for BENCHMARKS.md.
 */
public final class BadInputReport {

    /** One input: its family, what happened, how long it took and how much heap (after GC) it left behind. */
    public record Entry(
            String family,
            String input,
            String outcome,
            long millis,
            long boundMillis,
            long heapDeltaBytes,
            boolean ok) {}

    private final List<Entry> entries = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public synchronized void add(Entry entry) {
        entries.add(entry);
    }

    /** A sentence printed under the family table (e.g. the heap at the start and the end). */
    public synchronized void note(String sentence) {
        notes.add(sentence);
    }

    /** "N of M bad inputs handled within bounds", with the count per family. */
    public synchronized String summary() {
        Map<String, int[]> families = new LinkedHashMap<>();
        entries.forEach(e -> {
            int[] counts = families.computeIfAbsent(e.family(), f -> new int[2]);
            counts[0]++;
            counts[1] += e.ok() ? 1 : 0;
        });
        long ok = entries.stream().filter(Entry::ok).count();
        StringBuilder out = new StringBuilder(ok + " of " + entries.size() + " bad inputs handled within bounds (");
        families.forEach((family, counts) -> out.append(family)
                .append(' ')
                .append(counts[1])
                .append('/')
                .append(counts[0])
                .append(", "));
        if (!families.isEmpty()) {
            out.setLength(out.length() - 2);
        }
        return out.append(')').toString();
    }

    public synchronized String markdown() {
        Map<String, List<Entry>> families = new LinkedHashMap<>();
        entries.forEach(e ->
                families.computeIfAbsent(e.family(), f -> new ArrayList<>()).add(e));
        StringBuilder out = new StringBuilder("| bad-input family | tried | within bounds | max ms | max heap Δ |\n")
                .append("|---|---|---|---|---|\n");
        int tried = 0;
        int ok = 0;
        for (Map.Entry<String, List<Entry>> family : families.entrySet()) {
            List<Entry> list = family.getValue();
            long good = list.stream().filter(Entry::ok).count();
            tried += list.size();
            ok += (int) good;
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | %s |%n",
                    family.getKey(),
                    list.size(),
                    good,
                    list.stream().mapToLong(Entry::millis).max().orElse(0),
                    mib(list.stream().mapToLong(Entry::heapDeltaBytes).max().orElse(0))));
        }
        out.append(String.format(Locale.ROOT, "| **all** | %d | %d | | |%n%n", tried, ok));
        notes.forEach(note -> out.append(note).append("\n\n"));
        out.append("| family | input | outcome | ms (bound) | heap Δ | within bounds |\n|---|---|---|---|---|---|\n");
        for (Entry e : entries) {
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %d (%d) | %s | %s |%n",
                    e.family(),
                    e.input().replace("|", "\\|"),
                    e.outcome().replace("|", "\\|").replace("\n", " "),
                    e.millis(),
                    e.boundMillis(),
                    mib(e.heapDeltaBytes()),
                    e.ok() ? "yes" : "NO"));
        }
        return out.toString();
    }

    public void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, markdown());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%+.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
