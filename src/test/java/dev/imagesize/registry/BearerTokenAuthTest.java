package dev.imagesize.registry;

import static dev.imagesize.testing.FakeRegistry.errorBody;
import static dev.imagesize.testing.FakeRegistry.send;
import static dev.imagesize.testing.FakeRegistry.sendManifest;
import static dev.imagesize.testing.FakeRegistry.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpExchange;
import dev.imagesize.Deadline;
import dev.imagesize.image.Layer;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import dev.imagesize.testing.FakeRegistry;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry protocol's bearer-token challenge through {@link RegistryClient}: {@code /v2/} challenges with {@code
 * WWW-Authenticate: Bearer realm=…,service=…}, the token endpoint on the same fake registry hands out tokens
 * (anonymously when allowed, else for Basic credentials or an identity token), and manifests need {@code
 * Authorization: Bearer <token>}. The registry is served over HTTPS (listed as insecure) or plain HTTP, where an
 * anonymous token is used but credentials go only to a registry allowed for them.
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
    /** Every form posted to the token endpoint. */
    private final List<Map<String, String>> forms = new CopyOnWriteArrayList<>();

    private static final String IDENTITY_TOKEN = "refresh-me-0123";

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
        clients.forEach(RegistryClient::close);
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
            boolean post = exchange.getRequestMethod().equals("POST");
            Map<String, String> query = query(
                    post
                            ? FakeRegistry.requestBody(exchange)
                            : exchange.getRequestURI().getRawQuery());
            if (post) {
                forms.add(query);
            } else {
                tokenRequests.add(new TokenRequest(query, authorization));
            }
            if (!SERVICE.equals(query.get("service")) || !SCOPE.equals(query.get("scope"))) {
                send(exchange, 400, "application/json", errorBody("INVALID_REQUEST", "wrong service or scope"));
            } else if (post) {
                if ("refresh_token".equals(query.get("grant_type"))
                        && IDENTITY_TOKEN.equals(query.get("refresh_token"))) {
                    issueToken(exchange, "identity-token");
                } else {
                    send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "authentication required"));
                }
            } else if (authorization == null && anonymousPull) {
                issueToken(exchange, "anon-token");
            } else if (basic(USER, PASSWORD).equals(authorization)) {
                issueToken(exchange, "user-token");
            } else {
                send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "authentication required"));
            }
        } else if (path.equals("/redirecting-token")) {
            exchange.getResponseHeaders().set("Location", "https://" + registry + "/token");
            send(exchange, 302, "text/plain", new byte[0]);
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

    private ResolverConfig config() {
        return ResolverConfig.defaults().withInsecureRegistries(Set.of(registry));
    }

    /** A client, closed after the test. */
    private RegistryClient source() {
        return source(config());
    }

    private RegistryClient source(ResolverConfig config) {
        RegistryClient client = RegistryClient.create(config);
        clients.add(client);
        return client;
    }

    private final List<RegistryClient> clients = new CopyOnWriteArrayList<>();

    private ManifestSource.Repository repository(RegistryCredential credential) {
        return new ManifestSource.Repository(registry, "app", credential);
    }

    private static RequestContext context() {
        return new RequestContext(Priority.ADMISSION, Deadline.in(Duration.ofSeconds(20)), Runnable::run);
    }

    private Manifest fetch(RegistryClient client, RegistryCredential credential, String tag) throws Exception {
        return client.manifest(repository(credential), tag, context()).get(30, TimeUnit.SECONDS);
    }

    private ResolveError failure(RegistryCredential credential) throws Exception {
        return failure(source(), credential);
    }

    /** Fetches a manifest that must fail, and only with a {@link RegistryFailure}. */
    private ResolveError failure(RegistryClient client, RegistryCredential credential) throws Exception {
        Throwable thrown = catchThrowable(() -> fetch(client, credential, "v1"));
        assertThat(thrown).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(RegistryFailure.class);
        ResolveError error = ((RegistryFailure) thrown.getCause()).error();
        assertThat(thrown.getCause()).hasMessage(error.message());
        return error;
    }

    @Test
    void anonymousPullWithAnAnonymousTokenHasTheExactSizes() throws Exception {
        serveHttps();
        anonymousPull = true;

        Manifest fetched = fetch(source(), null, "v1");

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

        Manifest fetched = fetch(source(), new RegistryCredential(USER, PASSWORD), "v1");

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
        RegistryClient source = source();
        RegistryCredential credential = new RegistryCredential(USER, PASSWORD);
        fetch(source, credential, "v1");

        validTokens.clear(); // user-token-1 expires
        Manifest fetched = fetch(source, credential, "v2");

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
    void overPlainHttpAnAnonymousTokenIsFetchedAndUsed() throws Exception {
        servePlainHttp();
        anonymousPull = true;

        Manifest fetched = fetch(source(), null, "v1");

        assertThat(fetched.digest()).isEqualTo(sha256(v1));
        assertThat(tokenRequests).extracting(TokenRequest::authorization).containsExactly((String) null);
        assertThat(manifestRequests).containsExactly(new ManifestRequest("v1", "Bearer anon-token-1", 200));
    }

    @Test
    void overPlainHttpCredentialsNeverReachTheTokenEndpointUnlessAllowed() throws Exception {
        servePlainHttp();

        ResolveError error = failure(new RegistryCredential(USER, PASSWORD));

        assertThat(tokenRequests).extracting(TokenRequest::authorization).containsOnlyNulls();
        assertThat(manifestRequests).isEmpty();
        assertThat(error.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(error.message()).contains("were not sent").doesNotContain(PASSWORD);
    }

    @Test
    void overPlainHttpCredentialsReachTheTokenEndpointOfARegistryAllowedForThem() throws Exception {
        servePlainHttp();
        ResolverConfig allowed =
                config().toBuilder().plainHttpCredentials(Set.of(registry)).build();

        Manifest fetched = fetch(source(allowed), new RegistryCredential(USER, PASSWORD), "v1");

        assertThat(fetched.digest()).isEqualTo(sha256(v1));
        assertThat(tokenRequests).extracting(TokenRequest::authorization).containsExactly(basic(USER, PASSWORD));
        assertThat(manifestRequests).containsExactly(new ManifestRequest("v1", "Bearer user-token-1", 200));
    }

    @Test
    void anIdentityTokenIsExchangedWithAFormPostAndNeverSentAsBasic() throws Exception {
        serveHttps();

        Manifest fetched = fetch(source(), RegistryCredential.identityToken(IDENTITY_TOKEN), "v1");

        assertThat(fetched.digest()).isEqualTo(sha256(v1));
        assertThat(tokenRequests).as("no GET with Basic credentials").isEmpty();
        assertThat(forms).singleElement().satisfies(form -> {
            assertThat(form).containsEntry("grant_type", "refresh_token");
            assertThat(form).containsEntry("refresh_token", IDENTITY_TOKEN);
            assertThat(form).containsEntry("service", SERVICE);
            assertThat(form).containsEntry("scope", SCOPE);
        });
        assertThat(manifestRequests).containsExactly(new ManifestRequest("v1", "Bearer identity-token-1", 200));
    }

    @Test
    void aPlainHttpRealmOfAnHttpsRegistryIsRefusedBeforeAnyCredentialIsSent() throws Exception {
        serveHttps();
        realm = "http://" + registry + "/token";

        ResolveError error = failure(new RegistryCredential(USER, PASSWORD));

        assertThat(tokenRequests).isEmpty();
        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message()).contains("is not HTTPS").doesNotContain(PASSWORD);
    }

    @Test
    void aTokenServiceThatRedirectsIsNotFollowed() throws Exception {
        serveHttps();
        realm = "https://" + registry + "/redirecting-token";

        ResolveError error = failure(new RegistryCredential(USER, PASSWORD));

        assertThat(tokenRequests).isEmpty();
        assertThat(error.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(error.message()).contains("redirect");
    }
}
