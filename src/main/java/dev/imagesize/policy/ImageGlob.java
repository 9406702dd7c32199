package dev.imagesize.policy;

import java.util.regex.Pattern;

/**
 * An image pattern from a policy ({@code registry.k8s.io/*}, {@code ghcr.io/acme/ml-*}): {@code *} matches any run
 * of characters including {@code /}, {@code ?} one character. It is matched against the image both as written in the
 * pod spec and in its normalized form ({@code nginx} is also {@code docker.io/library/nginx:latest}).
 */
public record ImageGlob(String pattern, Pattern regex) {

    public static ImageGlob of(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new ImageGlob(pattern, Pattern.compile(regex.toString()));
    }

    public boolean matches(String asWritten, String normalized) {
        return regex.matcher(asWritten).matches()
                || (normalized != null && regex.matcher(normalized).matches());
    }

    @Override
    public String toString() {
        return pattern;
    }
}
