package dev.imagesize.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Slash-separated paths as Go's {@code path} package treats them, since dive's maths depends on its exact rules. */
public final class GoPath {
    /** Go's {@code sort.Strings} order: byte-wise on UTF-8, which equals code point order. */
    public static final Comparator<String> BYTE_ORDER = GoPath::compareCodePoints;

    private GoPath() {}

    /** Go's {@code path.Clean}: lexical normalization, {@code "."} for the empty path, relative paths stay relative. */
    public static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        int n = path.length();
        StringBuilder out = new StringBuilder(n);
        int r = 0;
        int dotdot = 0;
        if (rooted) {
            out.append('/');
            r = 1;
            dotdot = 1;
        }
        while (r < n) {
            char c = path.charAt(r);
            if (c == '/') {
                r++;
            } else if (c == '.' && (r + 1 == n || path.charAt(r + 1) == '/')) {
                r++;
            } else if (c == '.' && path.charAt(r + 1) == '.' && (r + 2 == n || path.charAt(r + 2) == '/')) {
                r += 2;
                if (out.length() > dotdot) {
                    int w = out.length() - 1;
                    while (w > dotdot && out.charAt(w) != '/') {
                        w--;
                    }
                    out.setLength(w);
                } else if (!rooted) {
                    if (out.length() > 0) {
                        out.append('/');
                    }
                    out.append("..");
                    dotdot = out.length();
                }
            } else {
                if ((rooted && out.length() != 1) || (!rooted && out.length() != 0)) {
                    out.append('/');
                }
                while (r < n && path.charAt(r) != '/') {
                    out.append(path.charAt(r));
                    r++;
                }
            }
        }
        return out.length() == 0 ? "." : out.toString();
    }

    /** The absolute path a container runtime extracts {@code name} to: {@code ../x} and {@code /x} both become {@code /x}. */
    public static String rooted(String name) {
        return clean("/" + name);
    }

    /** The components of {@code strings.Split(strings.Trim(path, "/"), "/")}, empty ones dropped. */
    public static List<String> components(String path) {
        List<String> names = new ArrayList<>();
        int start = 0;
        int n = path.length();
        for (int i = 0; i <= n; i++) {
            if (i == n || path.charAt(i) == '/') {
                if (i > start) {
                    names.add(path.substring(start, i));
                }
                start = i + 1;
            }
        }
        return names;
    }

    /** The last component of a cleaned path. */
    public static String base(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    /** The parent of a cleaned rooted path ({@code /} for top-level names). */
    public static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
