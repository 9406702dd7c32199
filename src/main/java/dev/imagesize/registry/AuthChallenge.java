package dev.imagesize.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header, as registries send them: {@code Bearer
 * realm="https://auth.example/token",service="registry.example",scope="repository:app:pull"} or {@code Basic
 * realm="Registry"}. Parameter names are lower-cased; values are kept as sent (they are never shown to users).
 *
 * @param scheme {@code bearer}, {@code basic}, or another scheme, lower-cased
 * @param parameters the auth-params
 */
public record AuthChallenge(String scheme, Map<String, String> parameters) {

    public AuthChallenge {
        parameters = Map.copyOf(parameters);
    }

    public boolean isBearer() {
        return scheme.equals("bearer");
    }

    public boolean isBasic() {
        return scheme.equals("basic");
    }

    public String realm() {
        return parameters.get("realm");
    }

    public String service() {
        return parameters.get("service");
    }

    /**
     * The challenges in the values of {@code WWW-Authenticate} headers, in order; malformed parts are skipped, never
     * an exception. The header is at most a few KiB (error responses are bounded), so this needs no limit of its own.
     */
    public static List<AuthChallenge> parse(List<String> headerValues) {
        List<AuthChallenge> challenges = new ArrayList<>();
        for (String value : headerValues) {
            challenges.addAll(parse(value));
        }
        return challenges;
    }

    /** The challenges in one header value. */
    public static List<AuthChallenge> parse(String header) {
        List<AuthChallenge> challenges = new ArrayList<>();
        if (header == null) {
            return challenges;
        }
        Tokens tokens = new Tokens(header);
        String scheme = null;
        Map<String, String> parameters = new LinkedHashMap<>();
        while (tokens.more()) {
            String token = tokens.token();
            if (token.isEmpty()) {
                tokens.skipOne(); // a stray character: skip it
                continue;
            }
            if (tokens.peekEquals()) {
                tokens.skipOne();
                String value = tokens.value();
                if (scheme != null) {
                    parameters.putIfAbsent(token.toLowerCase(Locale.ROOT), value);
                }
            } else {
                if (scheme != null) {
                    challenges.add(new AuthChallenge(scheme, parameters));
                }
                scheme = token.toLowerCase(Locale.ROOT);
                parameters = new LinkedHashMap<>();
            }
            tokens.skipSeparators();
        }
        if (scheme != null) {
            challenges.add(new AuthChallenge(scheme, parameters));
        }
        return challenges;
    }

    @Override
    public String toString() {
        // parameter values come from the registry; show only which are present
        return "AuthChallenge[" + scheme + " " + parameters.keySet() + "]";
    }

    /** A cursor over the header: tokens, quoted strings, separators. */
    private static final class Tokens {
        private final String text;
        private int at;

        Tokens(String text) {
            this.text = text;
        }

        boolean more() {
            skipSpaces();
            return at < text.length();
        }

        void skipOne() {
            at++;
        }

        void skipSpaces() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        void skipSeparators() {
            while (at < text.length() && (Character.isWhitespace(text.charAt(at)) || text.charAt(at) == ',')) {
                at++;
            }
        }

        boolean peekEquals() {
            skipSpaces();
            return at < text.length() && text.charAt(at) == '=';
        }

        String token() {
            skipSpaces();
            int start = at;
            while (at < text.length() && isTokenChar(text.charAt(at))) {
                at++;
            }
            return text.substring(start, at);
        }

        String value() {
            skipSpaces();
            if (at < text.length() && text.charAt(at) == '"') {
                StringBuilder value = new StringBuilder();
                at++;
                while (at < text.length() && text.charAt(at) != '"') {
                    char c = text.charAt(at++);
                    if (c == '\\' && at < text.length()) {
                        c = text.charAt(at++);
                    }
                    value.append(c);
                }
                at++; // the closing quote
                return value.toString();
            }
            return token();
        }

        private static boolean isTokenChar(char c) {
            return c > ' ' && c < 127 && c != ',' && c != '=' && c != '"';
        }
    }
}
