package dev.imagesize.registry;

import static dev.imagesize.registry.FakeRegistry.errorBody;
import static dev.imagesize.registry.FakeRegistry.send;
import static dev.imagesize.registry.FakeRegistry.sendManifest;
import static dev.imagesize.registry.FakeRegistry.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpExchange;
import dev.imagesize.image.Layer;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry protocol's bearer-token challenge through {@link JibManifestSource}, which leaves the protocol to
 * jib-core: {@code /v2/} challenges with {@code WWW-Authenticate: Bearer realm=…,service=…}, the token endpoint on the
 * same fake registry hands out tokens (anonymously when allowed, else for Basic credentials), and manifests need
 * {@code Authorization: Bearer <token>}.
 *
 * <p>jib strips every {@code Authorization} header from a plain-HTTP request (tokens as well as credentials, since
 * {@code JibManifestSource} does not allow sending them over HTTP), so the registry is served over HTTPS with a
 * self-signed certificate and listed as insecure; the last tests show what happens over plain HTTP.
 */
class BearerTokenAuthTest {
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String SERVICE = "fake-registry";
    private static final String SCOPE = "repository:app:pull";
    private static final String USER = "robot";
    private static final String PASSWORD = "s3cret-Pa55word";

    private FakeRegistry fake;
    private String registry;
    private volatile String realm;
    /** Whether the token endpoint gives a token to a request without credentials. */
    private volatile boolean anonymousPull;
    /** Tokens the registry accepts now; forgetting them is what their expiry looks like to a client. */
    private final Set<String> validTokens = ConcurrentHashMap.newKeySet();
    /** Numbers the tokens handed out, so a refreshed token differs from the expired one. */
    private final AtomicInteger tokensIssued = new AtomicInteger();
    /** Every request to the token endpoint. */
    private final List<TokenRequest> tokenRequests = new CopyOnWriteArrayList<>();
    /** Every manifest request, with the Authorization it carried and the status it got. */
    private final List<ManifestRequest> manifestRequests = new CopyOnWriteArrayList<>();

    private final byte[] v1 = FakeRegistry.ociManifest(1_234, new long[] {10_000, 2_500_000, 7}, 0);
    private final byte[] v2 = FakeRegistry.ociManifest(4_321, new long[] {99}, 0);

    record TokenRequest(Map<String, String> query, String authorization) {}

    record ManifestRequest(String tag, String authorization, int status) {}

    @AfterEach
    void stopRegistry() throws InterruptedException {
        if (fake != null) {
            fake.close();
        }
    }

    private void serveHttps() throws IOException {
        fake = FakeRegistry.https(this::answer);
        registry = fake.address();
        realm = "https://" + registry + "/token";
    }

    private void servePlainHttp() throws IOException {
        fake = FakeRegistry.plainHttp(this::answer);
        registry = fake.address();
        realm = "http://" + registry + "/token";
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (path.equals("/v2/")) {
            challenge(exchange);
        } else if (path.equals("/token")) {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            tokenRequests.add(new TokenRequest(query, authorization));
            if (!SERVICE.equals(query.get("service")) || !SCOPE.equals(query.get("scope"))) {
                send(exchange, 400, "application/json", errorBody("INVALID_REQUEST", "wrong service or scope"));
            } else if (authorization == null && anonymousPull) {
                issueToken(exchange, "anon-token");
            } else if (basic(USER, PASSWORD).equals(authorization)) {
                issueToken(exchange, "user-token");
            } else {
                send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "authentication required"));
            }
        } else if (path.startsWith("/v2/app/manifests/")) {
            String tag = path.substring("/v2/app/manifests/".length());
            byte[] manifest = Map.of("v1", v1, "v2", v2).get(tag);
            boolean allowed = authorization != null
                    && authorization.startsWith("Bearer ")
                    && validTokens.contains(authorization.substring("Bearer ".length()));
            int status = !allowed ? 401 : manifest == null ? 404 : 200;
            manifestRequests.add(new ManifestRequest(tag, authorization, status));
            if (status == 401) {
                challenge(exchange);
            } else if (status == 404) {
                send(exchange, 404, "application/json", errorBody("MANIFEST_UNKNOWN", "manifest unknown"));
            } else {
                sendManifest(exchange, OCI_MANIFEST, manifest);
            }
        } else {
            send(exchange, 404, "application/json", errorBody("NAME_UNKNOWN", "repository name not known"));
        }
    }

    private void challenge(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders()
                .set("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"" + SERVICE + "\"");
        send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "authentication required"));
    }

    private void issueToken(HttpExchange exchange, String kind) throws IOException {
        String token = kind + "-" + tokensIssued.incrementAndGet();
        validTokens.add(token);
        send(exchange, 200, "application/json", ("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int equals = pair.indexOf('=');
                String name = equals < 0 ? pair : pair.substring(0, equals);
                String value = equals < 0 ? "" : pair.substring(equals + 1);
                query.put(
                        URLDecoder.decode(name, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private JibManifestSource source() {
        return new JibManifestSource(ResolverConfig.defaults().withInsecureRegistries(Set.of(registry)));
    }

    private ManifestSource.Repository repository(RegistryCredential credential) {
        return new ManifestSource.Repository(registry, "app", credential);
    }

    /** Fetches a manifest that must fail, and only with a {@link RegistryFailure}. */
    private ResolveError failure(RegistryCredential credential) {
        Throwable thrown = catchThrowable(() -> source().fetchManifest(repository(credential), "v1"));
        assertThat(thrown).isInstanceOf(RegistryFailure.class);
        ResolveError error = ((RegistryFailure) thrown).error();
        assertThat(thrown).hasMessage(error.message());
        return error;
    }

    @Test
    void anonymousPullWithAnAnonymousTokenHasTheExactSizes() throws Exception {
        serveHttps();
        anonymousPull = true;

        Manifest fetched = source().fetchManifest(repository(null), "v1");

        assertThat(fetched).isInstanceOfSatisfying(Manifest.Image.class, image -> {
            assertThat(image.digest()).isEqualTo(sha256(v1));
            assertThat(image.configSizeBytes()).isEqualTo(1_234);
            assertThat(image.layers()).extracting(Layer::sizeBytes).containsExactly(10_000L, 2_500_000L, 7L);
        });
        assertThat(tokenRequests)
                .as("one anonymous token request for the service and pull scope of the challenge")
                .containsExactly(new TokenRequest(Map.of("service", SERVICE, "scope", SCOPE), null));
        assertThat(manifestRequests).containsExactly(new ManifestRequest("v1", "Bearer anon-token-1", 200));
    }

    @Test
    void credentialsAreSentToTheTokenEndpointAndTheirTokenToTheRegistry() throws Exception {
        serveHttps();

        Manifest fetched = source().fetchManifest(repository(new RegistryCredential(USER, PASSWORD)), "v1");

        assertThat(fetched).isInstanceOfSatisfying(Manifest.Image.class, image -> {
            assertThat(image.digest()).isEqualTo(sha256(v1));
            assertThat(image.layers()).extracting(Layer::sizeBytes).containsExactly(10_000L, 2_500_000L, 7L);
        });
        assertThat(tokenRequests)
                .containsExactly(new TokenRequest(Map.of("service", SERVICE, "scope", SCOPE), basic(USER, PASSWORD)));
        assertThat(manifestRequests).containsExactly(new ManifestRequest("v1", "Bearer user-token-1", 200));
    }

    @Test
    void wrongPasswordIsUnauthorizedAndTheMessageNeverShowsIt() throws Exception {
        serveHttps();
        String wrong = "not-the-Pa55word";

        ResolveError error = failure(new RegistryCredential(USER, wrong));

        assertThat(tokenRequests)
                .as("the wrong password reached the token endpoint, which refused it")
                .extracting(TokenRequest::authorization)
                .containsExactly(basic(USER, wrong));
        assertThat(manifestRequests).isEmpty();
        assertThat(error.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(error.message())
                .contains("registry " + registry)
                .contains("check the pull secret")
                .doesNotContain(wrong)
                .doesNotContain(basic(USER, wrong).substring("Basic ".length()));
    }

    @Test
    void anonymousPullRefusedByTheTokenEndpointAsksForAPullSecret() throws Exception {
        serveHttps();

        ResolveError error = failure(null);

        assertThat(tokenRequests).extracting(TokenRequest::authorization).containsExactly((String) null);
        assertThat(error.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(error.message()).contains("without credentials").contains("pull secret for " + registry);
    }

    @Test
    void expiredTokenIsRefreshedFromTheChallengeAndTheNextTagIsRead() throws Exception {
        serveHttps();
        JibManifestSource source = source();
        ManifestSource.Repository repository = repository(new RegistryCredential(USER, PASSWORD));
        source.fetchManifest(repository, "v1");

        validTokens.clear(); // user-token-1 expires
        Manifest fetched = source.fetchManifest(repository, "v2");

        assertThat(fetched).isInstanceOfSatisfying(Manifest.Image.class, image -> {
            assertThat(image.digest()).isEqualTo(sha256(v2));
            assertThat(image.configSizeBytes()).isEqualTo(4_321);
            assertThat(image.layers()).extracting(Layer::sizeBytes).containsExactly(99L);
        });
        assertThat(tokenRequests)
                .as("a token for the first fetch, and a new one after the registry refused the expired one")
                .extracting(TokenRequest::authorization)
                .containsExactly(basic(USER, PASSWORD), basic(USER, PASSWORD));
        assertThat(manifestRequests)
                .containsExactly(
                        new ManifestRequest("v1", "Bearer user-token-1", 200),
                        new ManifestRequest("v2", "Bearer user-token-1", 401),
                        new ManifestRequest("v2", "Bearer user-token-2", 200));
    }

    @Test
    void overPlainHttpTheAnonymousTokenIsFetchedButNeverSent() throws Exception {
        servePlainHttp();
        anonymousPull = true;

        ResolveError error = failure(null);

        assertThat(tokenRequests).extracting(TokenRequest::authorization).containsExactly((String) null);
        assertThat(manifestRequests)
                .as("jib strips the bearer token from a plain-HTTP request")
                .extracting(ManifestRequest::authorization)
                .containsOnlyNulls()
                .isNotEmpty();
        assertThat(error.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(error.message()).contains("never sent over plain HTTP");
    }

    @Test
    void overPlainHttpCredentialsNeverReachTheTokenEndpoint() throws Exception {
        servePlainHttp();

        ResolveError error = failure(new RegistryCredential(USER, PASSWORD));

        assertThat(tokenRequests).extracting(TokenRequest::authorization).containsOnlyNulls();
        assertThat(manifestRequests).isEmpty();
        assertThat(error.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(error.message()).contains("were not sent").doesNotContain(PASSWORD);
    }
}
