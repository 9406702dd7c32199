package dev.imagesize.analysis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Debian packages that are installed only because something recommended them: automatically installed (apt's
 * {@code extended_states}), not needed through Depends/Pre-Depends by any manually installed or essential package,
 * but reached through Recommends. What {@code apt-get install --no-install-recommends} would have left out.
 */
final class AptRecommends {
    static final String DPKG_STATUS = "/var/lib/dpkg/status";
    static final String EXTENDED_STATES = "/var/lib/apt/extended_states";

    private AptRecommends() {}

    /** A package and its {@code Installed-Size} in bytes. */
    record Package(String name, long bytes) {}

    private record Entry(
            String name, long bytes, boolean root, List<List<String>> depends, List<List<String>> recommends) {}

    static List<Package> find(String dpkgStatus, String extendedStates) {
        Set<String> auto = autoInstalled(extendedStates);
        Map<String, Entry> installed = new LinkedHashMap<>();
        Map<String, List<String>> providers = new HashMap<>();
        for (Map<String, String> fields : paragraphs(dpkgStatus)) {
            String name = fields.get("package");
            if (name == null || !fields.getOrDefault("status", "").endsWith(" installed")) {
                continue;
            }
            long kib = parseLong(fields.getOrDefault("installed-size", "0"));
            String priority = fields.getOrDefault("priority", "");
            boolean root = !auto.contains(name)
                    || "yes".equalsIgnoreCase(fields.getOrDefault("essential", ""))
                    || priority.equals("required")
                    || priority.equals("important");
            List<List<String>> depends = relations(fields.get("pre-depends"));
            depends.addAll(relations(fields.get("depends")));
            installed.put(name, new Entry(name, kib * 1024, root, depends, relations(fields.get("recommends"))));
            for (List<String> provided : relations(fields.get("provides"))) {
                for (String virtual : provided) {
                    providers.computeIfAbsent(virtual, v -> new ArrayList<>()).add(name);
                }
            }
        }
        Set<String> roots = new HashSet<>();
        installed.values().stream().filter(Entry::root).forEach(e -> roots.add(e.name()));
        Set<String> required = closure(roots, installed, providers, false);
        Set<String> reachable = closure(roots, installed, providers, true);
        List<Package> recommended = new ArrayList<>();
        for (String name : reachable) {
            if (!required.contains(name) && auto.contains(name)) {
                recommended.add(new Package(name, installed.get(name).bytes()));
            }
        }
        recommended.sort(Comparator.comparingLong(Package::bytes).reversed().thenComparing(Package::name));
        return recommended;
    }

    private static Set<String> closure(
            Set<String> roots, Map<String, Entry> installed, Map<String, List<String>> providers, boolean recommends) {
        Set<String> seen = new HashSet<>(roots);
        Deque<String> work = new ArrayDeque<>(roots);
        while (!work.isEmpty()) {
            Entry entry = installed.get(work.pop());
            List<List<String>> edges = new ArrayList<>(entry.depends());
            if (recommends) {
                edges.addAll(entry.recommends());
            }
            for (List<String> alternatives : edges) {
                for (String name : alternatives) {
                    List<String> targets =
                            installed.containsKey(name) ? List.of(name) : providers.getOrDefault(name, List.of());
                    for (String target : targets) {
                        if (installed.containsKey(target) && seen.add(target)) {
                            work.push(target);
                        }
                    }
                }
            }
        }
        return seen;
    }

    /** {@code a (>= 1), b | c:any} → [[a], [b, c]]. */
    private static List<List<String>> relations(String field) {
        List<List<String>> groups = new ArrayList<>();
        if (field == null || field.isBlank()) {
            return groups;
        }
        for (String group : field.split(",")) {
            List<String> names = new ArrayList<>();
            for (String alternative : group.split("\\|")) {
                String name = alternative.trim().split("[\\s(\\[<]", 2)[0];
                int colon = name.indexOf(':');
                if (colon > 0) {
                    name = name.substring(0, colon);
                }
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
            groups.add(names);
        }
        return groups;
    }

    private static Set<String> autoInstalled(String extendedStates) {
        Set<String> auto = new HashSet<>();
        for (Map<String, String> fields : paragraphs(extendedStates)) {
            if ("1".equals(fields.get("auto-installed")) && fields.get("package") != null) {
                auto.add(fields.get("package"));
            }
        }
        return auto;
    }

    /** RFC 822-style paragraphs, keys lower-cased, continuation lines joined. */
    private static List<Map<String, String>> paragraphs(String text) {
        List<Map<String, String>> paragraphs = new ArrayList<>();
        if (text == null) {
            return paragraphs;
        }
        Map<String, String> current = new HashMap<>();
        String last = null;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    paragraphs.add(current);
                    current = new HashMap<>();
                }
                last = null;
            } else if ((line.startsWith(" ") || line.startsWith("\t")) && last != null) {
                current.merge(last, " " + line.trim(), String::concat);
            } else {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    last = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    current.put(last, line.substring(colon + 1).trim());
                }
            }
        }
        if (!current.isEmpty()) {
            paragraphs.add(current);
        }
        return paragraphs;
    }

    private static long parseLong(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
