package dev.imagesize.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.registry.http.TransportException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The registry error taxonomy: turns what a registry answered (a status, the error codes of its JSON body, a
 * Retry-After) or how the exchange failed into a {@link ResolveError} with the kind a user acts on and one sentence
 * saying what to do. Messages name the image and the registry and never carry what the registry sent beyond a status
 * and the error codes the distribution specification defines, so a registry cannot use them to echo content (or
 * what it reached on our behalf) into admission messages. Advice is worded for the operator (pull secrets, Helm
 * settings) or for the command line ({@code docker login}, options).
 */
public final class RegistryErrors {
    /** The error codes of the OCI distribution specification (and Docker's TOOMANYREQUESTS); others are not echoed. */
    private static final Set<String> KNOWN_CODES = Set.of(
            "BLOB_UNKNOWN",
            "BLOB_UPLOAD_INVALID",
            "BLOB_UPLOAD_UNKNOWN",
            "DIGEST_INVALID",
            "MANIFEST_BLOB_UNKNOWN",
            "MANIFEST_INVALID",
            "MANIFEST_UNKNOWN",
            "MANIFEST_UNVERIFIED",
            "NAME_INVALID",
            "NAME_UNKNOWN",
            "SIZE_INVALID",
            "TAG_INVALID",
            "UNAUTHORIZED",
            "DENIED",
            "UNSUPPORTED",
            "TOOMANYREQUESTS",
            "UNAVAILABLE");

    private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Who reads the messages, which decides how the advice is worded. */
    public enum Audience {
        /** The operator: pull secrets, operator settings. */
        CLUSTER,
        /** {@code imagesize check}: {@code docker login}, command-line options. */
        CLI
    }

    /**
     * What was asked, for messages.
     *
     * @param registry the registry as in the reference ({@code host[:port]})
     * @param image the reference asked for ({@code host/repo:tag} or {@code host/repo@digest})
     * @param hadCredential whether a credential was known for the image
     * @param plainHttp whether the registry is reached over plain HTTP
     * @param credentialWithheld whether that credential was not sent because the registry is reached over plain HTTP
     */
    public record Subject(
            String registry, String image, boolean hadCredential, boolean plainHttp, boolean credentialWithheld) {}

    private final Audience audience;
    private final Clock clock;

    public RegistryErrors(Audience audience) {
        this(audience, Clock.systemUTC());
    }

    RegistryErrors(Audience audience, Clock clock) {
        this.audience = audience;
        this.clock = clock;
    }

    public Audience audience() {
        return audience;
    }

    /**
     * An answer with an unsuccessful status.
     *
     * @param errorBody the start of the body (at most 64 KiB); only its distribution error codes are used
     * @param retryAfter the Retry-After header, or null
     */
    public ResolveError forStatus(Subject subject, int status, byte[] errorBody, String retryAfter) {
        List<String> codes = errorCodes(errorBody);
        String registry = subject.registry();
        if (status == 429 || codes.contains("TOOMANYREQUESTS")) {
            Duration wait = retryAfter(retryAfter);
            return new ResolveError(
                    Kind.RATE_LIMITED,
                    "registry " + registry + " is rate limiting us (HTTP 429) for " + subject.image()
                            + (wait == null ? "" : "; retrying after " + wait.toSeconds() + "s"),
                    wait);
        }
        if (status == 401 || status == 403 || codes.contains("UNAUTHORIZED") || codes.contains("DENIED")) {
            return unauthorized(subject);
        }
        if (status == 404
                || codes.contains("MANIFEST_UNKNOWN")
                || codes.contains("NAME_UNKNOWN")
                || codes.contains("BLOB_UNKNOWN")) {
            return new ResolveError(Kind.NOT_FOUND, "image " + subject.image() + " not found in registry " + registry);
        }
        String named = codes.isEmpty() ? "" : " (" + String.join(", ", codes) + ")";
        if (status >= 300 && status < 400) {
            return new ResolveError(
                    Kind.BAD_RESPONSE,
                    "registry " + registry + " answered " + subject.image() + " with HTTP " + status
                            + " and no usable redirect");
        }
        return new ResolveError(
                Kind.REGISTRY_ERROR,
                "registry " + registry + " answered HTTP " + status + named + " for " + subject.image());
    }

    /** The registry refused access (401, 403, or a token service that refused). */
    public ResolveError unauthorized(Subject subject) {
        String registry = subject.registry();
        String refused = "registry " + registry + " refused access to " + subject.image();
        if (subject.credentialWithheld()) {
            return new ResolveError(
                    Kind.UNAUTHORIZED,
                    refused + " over plain HTTP; the " + credentialName() + " for " + registry
                            + " were not sent, as credentials are never sent over plain HTTP unless allowed: "
                            + plainHttpAdvice(registry));
        }
        if (!subject.hadCredential()) {
            return new ResolveError(
                    Kind.UNAUTHORIZED,
                    refused + " without credentials; " + loginAdvice(registry)
                            + (subject.plainHttp()
                                    ? "; and as credentials are never sent over plain HTTP unless allowed: "
                                            + plainHttpAdvice(registry)
                                    : ""));
        }
        return new ResolveError(
                Kind.UNAUTHORIZED,
                refused + " with the " + credentialName() + " for " + registry + "; " + recheckAdvice(registry));
    }

    /** The exchange failed before an answer: connection, TLS, deadline, limits, address rules. */
    public ResolveError forTransport(Subject subject, TransportException e) {
        String registry = subject.registry();
        return switch (e.reason()) {
            case BLOCKED -> new ResolveError(Kind.UNREACHABLE, e.getMessage());
            case REDIRECT_REFUSED ->
                new ResolveError(Kind.BAD_RESPONSE, e.getMessage() + " (for " + subject.image() + ")");
            case TOO_LARGE ->
                new ResolveError(
                        Kind.BAD_RESPONSE,
                        "registry " + registry + " sent too much for " + subject.image() + ": " + e.getMessage());
            case DEADLINE ->
                new ResolveError(
                        Kind.TIMEOUT, "registry " + registry + " did not answer in time for " + subject.image());
            case CONNECT ->
                new ResolveError(Kind.UNREACHABLE, "registry " + registry + " is unreachable (" + e.getMessage() + ")");
            case TLS ->
                new ResolveError(
                        Kind.UNREACHABLE,
                        "TLS with registry " + registry + " failed (untrusted or invalid certificate, or plain HTTP); "
                                + tlsAdvice(registry));
            case OVERLOADED -> new ResolveError(Kind.OVERLOADED, e.getMessage() + " (for " + subject.image() + ")");
            case IO ->
                new ResolveError(
                        Kind.REGISTRY_ERROR,
                        "the connection to registry " + registry + " failed for " + subject.image() + " ("
                                + e.getMessage() + ")");
        };
    }

    /** An answer that cannot be used: {@code what} says why, in our words. */
    public ResolveError badResponse(Subject subject, String what) {
        return new ResolveError(
                Kind.BAD_RESPONSE, "registry " + subject.registry() + " answered " + subject.image() + " " + what);
    }

    /** Retry-After as delta-seconds or an HTTP date, at most 5 minutes; null when absent or unreadable. */
    public Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        Duration wait;
        try {
            wait = Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime when = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                wait = Duration.between(ZonedDateTime.now(clock.withZone(when.getZone())), when);
                wait = wait.isNegative() ? Duration.ZERO : wait;
            } catch (RuntimeException notDate) {
                return null;
            }
        }
        return wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
    }

    /** The distribution error codes in an error body ({@code {"errors":[{"code":...}]}}), known ones only. */
    static List<String> errorCodes(byte[] body) {
        List<String> codes = new ArrayList<>();
        if (body == null || body.length == 0) {
            return codes;
        }
        try {
            JsonNode errors = JSON.readTree(body).path("errors");
            for (JsonNode error : errors) {
                String code = error.path("code").asText("");
                if (KNOWN_CODES.contains(code) && !codes.contains(code)) {
                    codes.add(code);
                }
            }
        } catch (IOException | RuntimeException notJson) {
            // an error body that is not the registry's JSON says nothing we use
        }
        return codes;
    }

    private String credentialName() {
        return audience == Audience.CLI ? "credentials" : "pull secret's credentials";
    }

    private String loginAdvice(String registry) {
        return audience == Audience.CLI
                ? "run `docker login " + registry + "` (credentials are read from --docker-config, else"
                        + " $DOCKER_CONFIG/config.json or ~/.docker/config.json, and their credential helpers)"
                : "add an image pull secret for " + registry;
    }

    private String recheckAdvice(String registry) {
        return audience == Audience.CLI
                ? "check them (`docker login " + registry + "` again)"
                : "check the pull secret";
    }

    private String plainHttpAdvice(String registry) {
        return audience == Audience.CLI
                ? "serve " + registry + " over HTTPS (--registry-ca FILE trusts a private CA), or allow it with"
                        + " --allow-plain-http-credentials " + registry
                : "serve " + registry + " over HTTPS (imagesize.registry.ca-files trusts a private CA), or list it in"
                        + " imagesize.registry.plain-http-credentials";
    }

    private String tlsAdvice(String registry) {
        return audience == Audience.CLI
                ? "trust its CA with --registry-ca FILE, or pass --insecure-registry " + registry
                        + " if it serves plain HTTP"
                : "trust its CA (imagesize.registry.ca-files), or list it in imagesize.registry.insecure-registries"
                        + " if it serves plain HTTP";
    }
}
