package dev.imagesize.analysis;

import java.util.regex.Pattern;

/**
 * Path globs for finding rules, on paths without the leading slash: {@code *} and {@code ?} within one component,
 * {@code **} across components (also none: {@code a/**}{@code /b} matches {@code a/b}), {@code {x,y}} alternatives.
 */
public final class Glob {
    private final String text;
    private final Pattern pattern;

    private Glob(String text, Pattern pattern) {
        this.text = text;
        this.pattern = pattern;
    }

    public static Glob compile(String glob) {
        StringBuilder regex = new StringBuilder();
        int n = glob.length();
        int braces = 0;
        for (int i = 0; i < n; i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                boolean doubleStar = i + 1 < n && glob.charAt(i + 1) == '*';
                if (doubleStar) {
                    boolean slashAfter = i + 2 < n && glob.charAt(i + 2) == '/';
                    boolean atStart = i == 0 || glob.charAt(i - 1) == '/';
                    if (slashAfter && atStart) {
                        regex.append("(?:[^/]*/)*");
                        i += 2;
                    } else {
                        regex.append(".*");
                        i += 1;
                    }
                } else {
                    regex.append("[^/]*");
                }
            } else if (c == '?') {
                regex.append("[^/]");
            } else if (c == '{') {
                regex.append("(?:");
                braces++;
            } else if (c == '}' && braces > 0) {
                regex.append(')');
                braces--;
            } else if (c == ',' && braces > 0) {
                regex.append('|');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (braces != 0) {
            throw new IllegalArgumentException("unbalanced braces in glob \"" + glob + "\"");
        }
        return new Glob(glob, Pattern.compile(regex.toString()));
    }

    /** Whether {@code path} (with or without a leading slash) matches. */
    public boolean matches(String path) {
        return pattern.matcher(path.startsWith("/") ? path.substring(1) : path).matches();
    }

    @Override
    public String toString() {
        return text;
    }
}
