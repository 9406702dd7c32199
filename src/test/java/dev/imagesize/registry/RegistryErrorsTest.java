package dev.imagesize.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.registry.RegistryErrors.Audience;
import dev.imagesize.registry.RegistryErrors.Subject;
import dev.imagesize.registry.http.TransportException;
import dev.imagesize.registry.http.TransportException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The registry error taxonomy, without a registry: statuses, error codes, transport failures and advice. */
class RegistryErrorsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private final RegistryErrors cluster = new RegistryErrors(Audience.CLUSTER, Clock.fixed(NOW, ZoneOffset.UTC));
    private final RegistryErrors cli = new RegistryErrors(Audience.CLI, Clock.fixed(NOW, ZoneOffset.UTC));
    private final Subject anonymous = new Subject("reg.io", "reg.io/app:1", false, false, false);

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "HTTP {0} {1} -> {2}")
    @CsvSource({
        "404, '', NOT_FOUND",
        "400, MANIFEST_UNKNOWN, NOT_FOUND",
        "400, NAME_UNKNOWN, NOT_FOUND",
        "401, '', UNAUTHORIZED",
        "403, DENIED, UNAUTHORIZED",
        "400, UNAUTHORIZED, UNAUTHORIZED",
        "429, '', RATE_LIMITED",
        "503, TOOMANYREQUESTS, RATE_LIMITED",
        "500, '', REGISTRY_ERROR",
        "502, UNAVAILABLE, REGISTRY_ERROR",
        "400, MANIFEST_INVALID, REGISTRY_ERROR",
        "302, '', BAD_RESPONSE"
    })
    void statusesAndCodesHaveTheirKind(int status, String code, Kind kind) {
        byte[] errors = code.isEmpty() ? new byte[0] : body("{\"errors\":[{\"code\":\"" + code + "\"}]}");

        assertThat(cluster.forStatus(anonymous, status, errors, null).kind()).isEqualTo(kind);
    }

    @Test
    void onlyTheSpecificationsErrorCodesAreNamedNeverTheBody() {
        ResolveError error = cluster.forStatus(
                anonymous,
                400,
                body("{\"errors\":[{\"code\":\"MANIFEST_INVALID\",\"message\":\"role=admin token=abc\"},"
                        + "{\"code\":\"ROLE-NAME-LEAK\"}]}"),
                null);

        assertThat(error.message())
                .isEqualTo("registry reg.io answered HTTP 400 (MANIFEST_INVALID) for reg.io/app:1")
                .doesNotContain("admin")
                .doesNotContain("LEAK");
    }

    @Test
    void retryAfterIsReadAsSecondsOrADateAndCappedAtFiveMinutes() {
        assertThat(cluster.retryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(cluster.retryAfter("Tue, 01 Dec 2026 12:00:30 GMT")).isEqualTo(Duration.ofSeconds(30));
        assertThat(cluster.retryAfter("Tue, 01 Dec 2026 11:00:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(cluster.retryAfter("86400")).isEqualTo(Duration.ofMinutes(5));
        assertThat(cluster.retryAfter("soon")).isNull();
        assertThat(cluster.retryAfter(null)).isNull();
        assertThat(cluster.forStatus(anonymous, 429, new byte[0], "12").retryAfter())
                .isEqualTo(Duration.ofSeconds(12));
    }

    @Test
    void unauthorizedAdviceFitsWhoReadsIt() {
        assertThat(cluster.unauthorized(anonymous).message())
                .isEqualTo("registry reg.io refused access to reg.io/app:1 without credentials; add an image pull"
                        + " secret for reg.io");
        assertThat(cli.unauthorized(anonymous).message())
                .contains("run `docker login reg.io`")
                .contains("--docker-config")
                .doesNotContain("pull secret");

        Subject wrong = new Subject("reg.io", "reg.io/app:1", true, false, false);
        assertThat(cluster.unauthorized(wrong).message()).endsWith("check the pull secret");
        assertThat(cli.unauthorized(wrong).message()).endsWith("check them (`docker login reg.io` again)");

        Subject withheld = new Subject("reg.io:5000", "reg.io:5000/app:1", true, true, true);
        assertThat(cluster.unauthorized(withheld).message())
                .contains("were not sent")
                .contains("imagesize.registry.plain-http-credentials");
        assertThat(cli.unauthorized(withheld).message())
                .contains("were not sent")
                .contains("--allow-plain-http-credentials reg.io:5000")
                .contains("--registry-ca FILE");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "BLOCKED, UNREACHABLE",
        "REDIRECT_REFUSED, BAD_RESPONSE",
        "TOO_LARGE, BAD_RESPONSE",
        "DEADLINE, TIMEOUT",
        "CONNECT, UNREACHABLE",
        "TLS, UNREACHABLE",
        "OVERLOADED, OVERLOADED",
        "IO, REGISTRY_ERROR"
    })
    void transportFailuresHaveTheirKind(Reason reason, Kind kind) {
        ResolveError error = cluster.forTransport(anonymous, new TransportException(reason, "what happened to reg.io"));

        assertThat(error.kind()).isEqualTo(kind);
        assertThat(error.message()).contains("reg.io");
    }

    @Test
    void tlsAdviceNamesTheWayToTrustTheCa() {
        TransportException tls = new TransportException(Reason.TLS, "the TLS handshake with reg.io failed");

        assertThat(cluster.forTransport(anonymous, tls).message()).contains("imagesize.registry.ca-files");
        assertThat(cli.forTransport(anonymous, tls).message())
                .contains("--registry-ca FILE")
                .contains("--insecure-registry reg.io");
    }

    @Test
    void onlyFailuresThatMayPassLetAStaleDigestAnswer() {
        assertThat(new ResolveError(Kind.UNREACHABLE, "x").isTransient()).isTrue();
        assertThat(new ResolveError(Kind.TIMEOUT, "x").isTransient()).isTrue();
        assertThat(new ResolveError(Kind.RATE_LIMITED, "x").isTransient()).isTrue();
        assertThat(new ResolveError(Kind.OVERLOADED, "x").isTransient()).isTrue();
        assertThat(new ResolveError(Kind.REGISTRY_ERROR, "x").isTransient()).isTrue();
        assertThat(new ResolveError(Kind.NOT_FOUND, "x").isTransient()).isFalse();
        assertThat(new ResolveError(Kind.UNAUTHORIZED, "x").isTransient()).isFalse();
        assertThat(new ResolveError(Kind.BAD_RESPONSE, "x").isTransient()).isFalse();
    }
}
