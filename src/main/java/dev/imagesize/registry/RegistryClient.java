package dev.imagesize.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.imagesize.Deadline;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import dev.imagesize.registry.ManifestSource.Repository;
import dev.imagesize.registry.RegistryErrors.Subject;
import dev.imagesize.registry.http.AddressGuard;
import dev.imagesize.registry.http.Cidr;
import dev.imagesize.registry.http.HttpAnswer;
import dev.imagesize.registry.http.HttpCall;
import dev.imagesize.registry.http.RedirectPolicy;
import dev.imagesize.registry.http.RegistryTransport;
import dev.imagesize.registry.http.TlsContexts;
import dev.imagesize.registry.http.TransportException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Speaks the registry API (OCI distribution) over the project's own {@link RegistryTransport}: the API check of
 * {@code /v2/} and its {@code WWW-Authenticate} challenge, bearer tokens (anonymous, with Basic credentials, or with an
 * identity token) cached until they expire, Basic auth, manifests by tag or digest (verified against a digest, parsed
 * within limits), {@code HEAD} of a tag's manifest to revalidate it, and blobs (small ones in memory, large ones as a
 * {@link BlobStream}).
 *
 * <p>Rules it keeps: credentials never go over plain HTTP unless the registry is listed as insecure and allowed for
 * credentials over plain HTTP (then with a warning); an anonymous token may. A bearer realm must be HTTPS unless the
 * registry itself is reached over plain HTTP, and may not point at loopback or link-local addresses unless the registry
 * is on one ({@link AddressGuard}). At most {@link ResolverConfig#perRegistryConcurrency()} requests per registry are in
 * flight, admission first ({@link RegistryPermits}); blob streams have their own two slots per registry. Every failure
 * is a {@link RegistryFailure} from {@link RegistryErrors}.
 */
public final class RegistryClient implements RegistrySource, AutoCloseable {
    /** Largest image config read, to learn its platform. */
    static final long MAX_CONFIG_BYTES = 1024 * 1024;

    private static final long MAX_TOKEN_BYTES = 256 * 1024;
    private static final long MAX_PING_BYTES = 64 * 1024;
    private static final Duration ENDPOINT_TTL = Duration.ofHours(1);
    private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    private static final String USER_AGENT = "image-size-operator";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger(RegistryClient.class);

    /**
     * How to reach one registry.
     *
     * @param base {@code https://host[:port]} or {@code http://host[:port]}
     * @param challenge what {@code /v2/} asked for, or null when it needs no authentication
     */
    record Endpoint(String registry, URI base, AuthChallenge challenge) {
        boolean plainHttp() {
            return base.getScheme().equals("http");
        }
    }

    private record TokenKey(String registry, String realm, String service, String scope, String who) {}

    private record Token(String value, Duration lifetime) {}

    private final ResolverConfig config;
    private final RegistryTransport transport;
    private final RegistryErrors errors;
    private final ManifestParser parser;
    private final RegistryPermits permits;
    private final RegistryPermits blobPermits;
    private final RequestListener listener;
    private final ExecutorService blobThreads;
    private final AsyncCache<String, Outcome<Endpoint>> endpoints;
    private final AsyncCache<TokenKey, Outcome<Token>> tokens;
    private final Set<String> warnedPlainHttpCredentials = ConcurrentHashMap.newKeySet();

    /** A client for {@code config}'s registries. */
    public static RegistryClient create(ResolverConfig config) {
        return create(config, RequestListener.NONE);
    }

    /**
     * A client for {@code config}'s registries that tells {@code listener} about each request.
     *
     * @throws IllegalArgumentException when a CA file or a blocked network in {@code config} cannot be read
     */
    public static RegistryClient create(ResolverConfig config, RequestListener listener) {
        return new RegistryClient(
                config,
                listener,
                new AddressGuard(
                        config.blockedNetworks().stream().map(Cidr::parse).toList()));
    }

    RegistryClient(ResolverConfig config, RequestListener listener, AddressGuard guard) {
        this.config = config;
        this.listener = listener;
        List<X509Certificate> cas = new ArrayList<>();
        for (Path file : config.caFiles()) {
            cas.addAll(TlsContexts.readPem(file));
        }
        this.transport = new RegistryTransport(new RegistryTransport.Settings(
                config.httpTimeout(),
                cas,
                config.insecureRegistries(),
                guard,
                USER_AGENT,
                config.audience() == RegistryErrors.Audience.CLI));
        this.errors = new RegistryErrors(config.audience());
        this.parser = new ManifestParser(config.maxLayers(), config.maxIndexEntries());
        int concurrency = config.perRegistryConcurrency();
        this.permits = new RegistryPermits(
                concurrency, Math.max(1, concurrency / 2), config.maxPendingAdmission(), config.maxPendingAudit());
        this.blobPermits = new RegistryPermits(2, 2, 64, 1_024);
        this.blobThreads = Executors.newFixedThreadPool(2, task -> {
            Thread thread = new Thread(task, "imagesize-registry-blob");
            thread.setDaemon(true);
            return thread;
        });
        this.endpoints = Caffeine.newBuilder()
                .maximumSize(1_000)
                .executor(Runnable::run)
                .<String, Outcome<Endpoint>>expireAfter(this.<String, Endpoint>outcomeExpiry(endpoint -> ENDPOINT_TTL))
                .buildAsync();
        this.tokens = Caffeine.newBuilder()
                .maximumSize(10_000)
                .executor(Runnable::run)
                .<TokenKey, Outcome<Token>>expireAfter(this.<TokenKey, Token>outcomeExpiry(Token::lifetime))
                .buildAsync();
    }

    /** The transport, for tests that count its exchanges. */
    RegistryTransport transport() {
        return transport;
    }

    // ---- the registry API, as the resolver uses it

    @Override
    public CompletableFuture<Manifest> manifest(Repository repository, String reference, RequestContext context) {
        boolean byDigest = reference.contains(":");
        String image = repository + (byDigest ? "@" : ":") + reference;
        if (byDigest && !Digests.isSupported(Digests.algorithm(reference))) {
            return CompletableFuture.failedFuture(new RegistryFailure(new ResolveError(
                    Kind.UNSUPPORTED,
                    "digest algorithm " + Digests.algorithm(reference) + " of " + image
                            + " is not supported (sha256, sha384 and sha512 are)")));
        }
        return exchange(repository, image, context, manifestGet(repository, reference))
                .thenApplyAsync(
                        exchanged -> {
                            HttpAnswer answer = successOrThrow(exchanged);
                            byte[] body = answer.body();
                            String digest;
                            if (byDigest) {
                                if (!Digests.matches(reference, body)) {
                                    throw failure(errors.badResponse(
                                            exchanged.subject(),
                                            "with a manifest whose digest is "
                                                    + Digests.of(Digests.algorithm(reference), body)
                                                    + "; refusing it"));
                                }
                                digest = reference;
                            } else {
                                digest = Digests.of("sha256", body);
                            }
                            try {
                                return parser.parse(body, answer.header("Content-Type"), digest, exchanged.subject());
                            } catch (RegistryFailure e) {
                                throw new CompletionException(e);
                            }
                        },
                        context.executor())
                .exceptionallyCompose(error -> failed(repository, image, error));
    }

    @Override
    public CompletableFuture<Optional<String>> tagDigest(Repository repository, String tag, RequestContext context) {
        String image = repository + ":" + tag;
        return exchange(
                        repository,
                        image,
                        context,
                        new ApiRequest(
                                "manifest-head",
                                "HEAD",
                                "/v2/" + repository.name() + "/manifests/" + tag,
                                Map.of("Accept", MediaTypes.ACCEPT),
                                0,
                                RedirectPolicy.SAME_HOST))
                .thenApply(exchanged -> {
                    String digest = successOrThrow(exchanged).header("Docker-Content-Digest");
                    return Digests.isDigest(digest) ? Optional.of(digest) : Optional.<String>empty();
                })
                .exceptionallyCompose(error -> failed(repository, image, error));
    }

    @Override
    public CompletableFuture<Platform> configPlatform(
            Repository repository, Manifest.Image image, RequestContext context) {
        String what = "image config " + image.configDigest() + " of " + repository;
        if (image.configSizeBytes() > MAX_CONFIG_BYTES) {
            return CompletableFuture.failedFuture(new RegistryFailure(new ResolveError(
                    Kind.BAD_RESPONSE, what + " is " + image.configSizeBytes() + " bytes, over the 1 MiB read limit")));
        }
        return blob(repository, image.configDigest(), MAX_CONFIG_BYTES, context)
                .thenApplyAsync(
                        json -> {
                            try {
                                JsonNode node = JSON.readTree(json);
                                String os = node.path("os").asText("");
                                String architecture = node.path("architecture").asText("");
                                String variant = node.path("variant").asText("");
                                if (os.isEmpty() || architecture.isEmpty()) {
                                    return new Platform("unknown", "unknown", null);
                                }
                                return new Platform(os, architecture, variant.isEmpty() ? null : variant);
                            } catch (IOException e) {
                                throw failure(new ResolveError(Kind.BAD_RESPONSE, what + " is not valid JSON"));
                            }
                        },
                        context.executor())
                .exceptionallyCompose(error -> failed(repository, repository + "@" + image.configDigest(), error));
    }

    /** A blob read into memory (at most {@code maxBytes}), verified against its digest. */
    CompletableFuture<byte[]> blob(Repository repository, String digest, long maxBytes, RequestContext context) {
        String image = repository + "@" + digest;
        return exchange(
                        repository,
                        image,
                        context,
                        new ApiRequest(
                                "blob",
                                "GET",
                                "/v2/" + repository.name() + "/blobs/" + digest,
                                Map.of(),
                                maxBytes,
                                RedirectPolicy.BLOB_STORAGE))
                .thenApply(exchanged -> {
                    byte[] body = successOrThrow(exchanged).body();
                    if (!Digests.isSupported(Digests.algorithm(digest)) || !Digests.matches(digest, body)) {
                        throw failure(errors.badResponse(exchanged.subject(), "with content of another digest"));
                    }
                    return body;
                })
                .exceptionallyCompose(error -> failed(repository, image, error));
    }

    // ---- streaming blobs, for content analysis

    /**
     * The bytes of the manifest {@code digest} of {@code repository}, verified against the digest and at most
     * {@link ResolverConfig#maxManifestBytes()} long, for callers that read what the resolver does not keep (content
     * analysis reads its annotations). Served by the blob threads and slots' priority (never an admission slot). The
     * future fails with a {@link RegistryFailure}.
     */
    public CompletableFuture<byte[]> manifestBytes(Repository repository, String digest, Deadline deadline) {
        String image = repository + "@" + digest;
        if (!Digests.isDigest(digest) || !Digests.isSupported(Digests.algorithm(digest))) {
            return CompletableFuture.failedFuture(new RegistryFailure(
                    new ResolveError(Kind.INVALID_REFERENCE, "not a supported manifest digest: " + digest)));
        }
        RequestContext context = new RequestContext(Priority.AUDIT, deadline, blobThreads);
        return exchange(repository, image, context, manifestGet(repository, digest))
                .thenApply(exchanged -> {
                    byte[] body = successOrThrow(exchanged).body();
                    if (!Digests.matches(digest, body)) {
                        throw failure(errors.badResponse(
                                exchanged.subject(),
                                "with a manifest whose digest is " + Digests.of(Digests.algorithm(digest), body)
                                        + "; refusing it"));
                    }
                    return body;
                })
                .exceptionallyCompose(error -> failed(repository, image, error));
    }

    /**
     * What to stream.
     *
     * @param repository the repository and the credential to read it with (null credential: anonymous)
     * @param digest the blob's digest (a layer's, from its manifest)
     * @param maxBytes reading past this many bytes fails
     * @param deadline reading after this fails and closes the connection
     */
    public record BlobRequest(Repository repository, String digest, long maxBytes, Deadline deadline) {}

    /**
     * Opens a blob for reading as it arrives, with the same transport, credentials, tokens and address rules as the
     * resolver's lookups, and its own two request slots per registry (a layer download never takes an admission slot).
     * The future fails with a {@link RegistryFailure} (not found, unauthorized, unreachable ...); the stream must be
     * closed.
     */
    public CompletableFuture<BlobStream> openBlob(BlobRequest request) {
        Repository repository = request.repository();
        String image = repository + "@" + request.digest();
        if (!Digests.isDigest(request.digest()) || !Digests.isSupported(Digests.algorithm(request.digest()))) {
            return CompletableFuture.failedFuture(new RegistryFailure(
                    new ResolveError(Kind.INVALID_REFERENCE, "not a supported blob digest: " + request.digest())));
        }
        RequestContext context = new RequestContext(Priority.AUDIT, request.deadline(), blobThreads);
        return endpoint(repository.registry(), context, image)
                .thenCompose(endpoint -> authorization(endpoint, repository, context, false, image)
                        .thenCompose(auth -> {
                            Map<String, String> headers = new HashMap<>();
                            if (auth != null) {
                                headers.put("Authorization", auth);
                            }
                            HttpCall call = new HttpCall(
                                    "GET",
                                    endpoint.base().resolve("/v2/" + repository.name() + "/blobs/" + request.digest()),
                                    headers,
                                    request.maxBytes(),
                                    RedirectPolicy.BLOB_STORAGE,
                                    request.deadline(),
                                    null);
                            long start = System.nanoTime();
                            return blobPermits
                                    .acquire(repository.registry(), Priority.AUDIT, request.deadline())
                                    .thenCompose(permit -> transport.open(call).handle((answer, error) -> {
                                        listener.requested(
                                                repository.registry(),
                                                "blob-stream",
                                                outcome(answer, error),
                                                System.nanoTime() - start);
                                        if (error != null) {
                                            permit.release();
                                            throw new CompletionException(error);
                                        }
                                        if (answer.stream() == null) {
                                            permit.release();
                                            throw failure(errors.forStatus(
                                                    subject(endpoint, repository, image),
                                                    answer.status(),
                                                    answer.body(),
                                                    answer.header("Retry-After")));
                                        }
                                        return new BlobStream(request.digest(), answer.stream(), permit::release);
                                    }));
                        }))
                .exceptionallyCompose(error -> failed(repository, image, error));
    }

    // ---- endpoints, authentication and the exchange they wrap

    /** An answer and who it was for (the subject of error messages). */
    private record Exchanged(HttpAnswer answer, Subject subject) {}

    /**
     * A request to a repository's API.
     *
     * @param call its name in metrics ({@code manifest}, {@code manifest-head}, {@code blob})
     * @param path below the endpoint, e.g. {@code /v2/app/manifests/1.0}
     * @param maxBody the largest successful body read
     */
    private record ApiRequest(
            String call,
            String method,
            String path,
            Map<String, String> headers,
            long maxBody,
            RedirectPolicy redirects) {}

    /**
     * One authenticated request to a repository: the endpoint (scheme and challenge, cached), the Authorization for
     * it (a cached token, or Basic), the request within a free slot, and once more with a fresh token when the registry
     * answers 401 with a bearer challenge.
     */
    private CompletableFuture<Exchanged> exchange(
            Repository repository, String image, RequestContext context, ApiRequest request) {
        return endpoint(repository.registry(), context, image)
                .thenCompose(endpoint -> attempt(endpoint, repository, image, context, request, false));
    }

    private CompletableFuture<Exchanged> attempt(
            Endpoint endpoint,
            Repository repository,
            String image,
            RequestContext context,
            ApiRequest request,
            boolean retried) {
        Subject subject = subject(endpoint, repository, image);
        return authorization(endpoint, repository, context, retried, image).thenCompose(auth -> {
            Map<String, String> headers = new HashMap<>(request.headers());
            if (auth != null) {
                headers.put("Authorization", auth);
            }
            HttpCall call = new HttpCall(
                    request.method(),
                    endpoint.base().resolve(request.path()),
                    headers,
                    request.maxBody(),
                    request.redirects(),
                    requestDeadline(context),
                    null);
            return send(repository.registry(), request.call(), context, call).thenCompose(answer -> {
                AuthChallenge challenge = answer.status() == 401 ? bearerChallenge(answer) : null;
                if (challenge != null && !retried) {
                    Endpoint updated = new Endpoint(endpoint.registry(), endpoint.base(), challenge);
                    if (!challenge.equals(endpoint.challenge())) {
                        endpoints.put(endpoint.registry(), CompletableFuture.completedFuture(Outcome.ok(updated)));
                    }
                    return attempt(updated, repository, image, context, request, true);
                }
                return CompletableFuture.completedFuture(new Exchanged(answer, subject));
            });
        });
    }

    /** One request within a free slot of the registry, reported to the listener. */
    private CompletableFuture<HttpAnswer> send(String registry, String call, RequestContext context, HttpCall request) {
        long start = System.nanoTime();
        return permits.acquire(registry, context.priority(), request.deadline())
                .thenCompose(permit -> transport.send(request).whenComplete((answer, error) -> {
                    permit.release();
                    listener.requested(registry, call, outcome(answer, error), System.nanoTime() - start);
                }));
    }

    /** The registry's endpoint: from the cache, else from a check of {@code /v2/} (shared by concurrent callers). */
    private CompletableFuture<Endpoint> endpoint(String registry, RequestContext context, String image) {
        return endpoints
                .get(registry, (key, executor) -> ping(registry, context))
                .thenCompose(outcome -> outcome instanceof Outcome.Ok<Endpoint> ok
                        ? CompletableFuture.completedFuture(ok.value())
                        : CompletableFuture.failedFuture(
                                new RegistryFailure(((Outcome.Failed<Endpoint>) outcome).error())));
    }

    /**
     * Checks {@code /v2/}: 200 means no authentication, 401 names the challenge. A registry listed as insecure is tried
     * over TLS without verification first, then over plain HTTP when TLS fails; any other registry only over TLS.
     */
    private CompletableFuture<Outcome<Endpoint>> ping(String registry, RequestContext context) {
        String host = apiHost(registry);
        URI https = URI.create("https://" + host + "/v2/");
        if (!config.isInsecure(registry)) {
            return ping(registry, https, context, requestDeadline(context));
        }
        // A plain-HTTP server usually refuses a TLS handshake at once, but some wait for a request line that never
        // comes: give TLS half the request time, then try plain HTTP.
        Deadline probe = requestDeadline(context)
                .earliest(Deadline.in(config.httpTimeout().dividedBy(2)));
        return ping(registry, https, context, probe).thenCompose(outcome -> {
            if (outcome instanceof Outcome.Failed<Endpoint> failed
                    && (failed.error().kind() == Kind.UNREACHABLE
                            || failed.error().kind() == Kind.TIMEOUT)) {
                return ping(registry, URI.create("http://" + host + "/v2/"), context, requestDeadline(context));
            }
            return CompletableFuture.completedFuture(outcome);
        });
    }

    private CompletableFuture<Outcome<Endpoint>> ping(
            String registry, URI uri, RequestContext context, Deadline deadline) {
        Subject subject =
                new Subject(registry, "its API (/v2/)", false, uri.getScheme().equals("http"), false);
        HttpCall call = new HttpCall("GET", uri, Map.of(), MAX_PING_BYTES, RedirectPolicy.SAME_HOST, deadline, null);
        URI base = uri.resolve("/");
        return send(registry, "ping", context, call).handle((answer, error) -> {
            if (error != null) {
                return Outcome.failed(describe(subject, error));
            }
            if (answer.isSuccess()) {
                return Outcome.ok(new Endpoint(registry, base, null));
            }
            if (answer.status() == 401) {
                List<AuthChallenge> challenges =
                        AuthChallenge.parse(answer.headers().allValues("WWW-Authenticate"));
                AuthChallenge chosen = challenges.stream()
                        .filter(AuthChallenge::isBearer)
                        .findFirst()
                        .or(() -> challenges.stream()
                                .filter(AuthChallenge::isBasic)
                                .findFirst())
                        .orElse(new AuthChallenge("basic", Map.of()));
                return Outcome.ok(new Endpoint(registry, base, chosen));
            }
            if (answer.status() == 404) {
                return Outcome.failed(new ResolveError(
                        Kind.BAD_RESPONSE,
                        "registry " + registry + " does not serve the registry API (/v2/ answered HTTP 404); check"
                                + " that " + registry + " is a container registry"));
            }
            return Outcome.failed(
                    errors.forStatus(subject, answer.status(), answer.body(), answer.header("Retry-After")));
        });
    }

    /** The Authorization header for a request to {@code repository}, or null for none. */
    private CompletableFuture<String> authorization(
            Endpoint endpoint, Repository repository, RequestContext context, boolean fresh, String image) {
        AuthChallenge challenge = endpoint.challenge();
        if (challenge == null) {
            return CompletableFuture.completedFuture(null);
        }
        RegistryCredential credential = usableCredential(endpoint, repository);
        if (challenge.isBasic()) {
            return CompletableFuture.completedFuture(
                    credential == null || isIdentityToken(credential) ? null : basic(credential));
        }
        if (!challenge.isBearer()) {
            return CompletableFuture.completedFuture(null);
        }
        String scope = "repository:" + repository.name() + ":pull";
        TokenKey key = new TokenKey(
                endpoint.registry(),
                challenge.realm(),
                challenge.service(),
                scope,
                credential == null ? "anonymous" : credential.fingerprint());
        if (fresh) {
            tokens.synchronous().invalidate(key);
        }
        return tokens.get(key, (k, executor) -> fetchToken(endpoint, repository, scope, credential, context, image))
                .thenCompose(outcome -> outcome instanceof Outcome.Ok<Token> ok
                        ? CompletableFuture.completedFuture(
                                "Bearer " + ok.value().value())
                        : CompletableFuture.failedFuture(
                                new RegistryFailure(((Outcome.Failed<Token>) outcome).error())));
    }

    /**
     * Asks the realm of a bearer challenge for a pull token for {@code scope}: GET with Basic credentials (or none), or
     * POST with an identity token ({@code <token>} as user name, as {@code docker login} stores for some registries).
     */
    private CompletableFuture<Outcome<Token>> fetchToken(
            Endpoint endpoint,
            Repository repository,
            String scope,
            RegistryCredential credential,
            RequestContext context,
            String image) {
        Subject subject = subject(endpoint, repository, image);
        String registry = endpoint.registry();
        String realm = endpoint.challenge().realm();
        URI uri;
        try {
            uri = realm == null ? null : new URI(realm);
        } catch (Exception e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || uri.getScheme() == null) {
            return CompletableFuture.completedFuture(Outcome.failed(
                    errors.badResponse(subject, "with a bearer challenge whose realm is not a valid URL")));
        }
        String scheme = uri.getScheme().toLowerCase();
        if (!scheme.equals("https") && !(scheme.equals("http") && endpoint.plainHttp())) {
            return CompletableFuture.completedFuture(Outcome.failed(errors.badResponse(
                    subject,
                    "with a bearer challenge whose token service (" + uri.getHost()
                            + ") is not HTTPS; refused for a registry reached over HTTPS")));
        }
        if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            return CompletableFuture.completedFuture(Outcome.failed(errors.badResponse(
                    subject, "with a bearer challenge whose realm carries credentials or a fragment")));
        }
        boolean overHttp = scheme.equals("http");
        RegistryCredential sent = credential;
        if (sent != null && overHttp && !config.plainHttpCredentials().contains(registry)) {
            sent = null;
        }
        String service = endpoint.challenge().service();
        String form = null;
        Map<String, String> headers = new HashMap<>();
        String query = (service == null ? "" : "service=" + encode(service) + "&") + "scope=" + encode(scope);
        String method = "GET";
        if (sent != null && isIdentityToken(sent)) {
            method = "POST";
            form = "grant_type=refresh_token&client_id=" + USER_AGENT + "&refresh_token=" + encode(sent.password())
                    + "&" + query;
        } else if (sent != null) {
            headers.put("Authorization", basic(sent));
        }
        String existing = uri.getRawQuery();
        URI target = URI.create(uri.getScheme() + "://" + uri.getRawAuthority()
                + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (method.equals("GET") ? "?" + (existing == null ? "" : existing + "&") + query : ""));
        HttpCall call = new HttpCall(
                method,
                target,
                headers,
                MAX_TOKEN_BYTES,
                RedirectPolicy.NONE,
                requestDeadline(context),
                endpoint.base().getRawAuthority(),
                form);
        return send(registry, "token", context, call).handle((answer, error) -> {
            if (error != null) {
                return Outcome.failed(describe(subject, error));
            }
            if (answer.status() == 401 || answer.status() == 403) {
                return Outcome.failed(errors.unauthorized(subject));
            }
            if (!answer.isSuccess()) {
                return Outcome.failed(new ResolveError(
                        answer.status() == 429 ? Kind.RATE_LIMITED : Kind.REGISTRY_ERROR,
                        "the token service of registry " + registry + " answered HTTP " + answer.status() + " for "
                                + image,
                        errors.retryAfter(answer.header("Retry-After"))));
            }
            try {
                JsonNode json = JSON.readTree(answer.body());
                String token = json.path("token").asText("");
                if (token.isEmpty()) {
                    token = json.path("access_token").asText("");
                }
                if (token.isEmpty()) {
                    return Outcome.failed(errors.badResponse(subject, "with a token service answer without a token"));
                }
                long seconds = json.path("expires_in").asLong(DEFAULT_TOKEN_LIFETIME.toSeconds());
                Duration lifetime = Duration.ofSeconds(Math.max(10, Math.min(3_600, seconds) - 10));
                return Outcome.ok(new Token(token, lifetime));
            } catch (IOException e) {
                return Outcome.failed(errors.badResponse(subject, "with a token service answer that is not JSON"));
            }
        });
    }

    /**
     * The credential to send to {@code endpoint}: never over plain HTTP unless the registry is allowed for it (then with
     * a warning, once per registry).
     */
    private RegistryCredential usableCredential(Endpoint endpoint, Repository repository) {
        RegistryCredential credential = repository.credential();
        if (credential == null || !endpoint.plainHttp()) {
            return credential;
        }
        if (!config.plainHttpCredentials().contains(endpoint.registry())) {
            return null;
        }
        if (warnedPlainHttpCredentials.add(endpoint.registry())) {
            LOG.warnf(
                    "sending credentials for registry %s over plain HTTP, as it is allowed to receive them that way;"
                            + " anyone on the network path can read them",
                    endpoint.registry());
        }
        return credential;
    }

    private Subject subject(Endpoint endpoint, Repository repository, String image) {
        boolean hadCredential = repository.credential() != null;
        boolean withheld = hadCredential
                && endpoint.plainHttp()
                && !config.plainHttpCredentials().contains(endpoint.registry());
        return new Subject(endpoint.registry(), image, hadCredential, endpoint.plainHttp(), withheld);
    }

    private HttpAnswer successOrThrow(Exchanged exchanged) {
        HttpAnswer answer = exchanged.answer();
        if (!answer.isSuccess()) {
            throw failure(errors.forStatus(
                    exchanged.subject(), answer.status(), answer.body(), answer.header("Retry-After")));
        }
        return answer;
    }

    private static AuthChallenge bearerChallenge(HttpAnswer answer) {
        return AuthChallenge.parse(answer.headers().allValues("WWW-Authenticate")).stream()
                .filter(AuthChallenge::isBearer)
                .findFirst()
                .orElse(null);
    }

    private Deadline requestDeadline(RequestContext context) {
        return context.deadline().earliest(Deadline.in(config.httpTimeout()));
    }

    /** A failure of a call for {@code image}, as a {@link RegistryFailure} with the right message. */
    private <T> CompletableFuture<T> failed(Repository repository, String image, Throwable error) {
        Subject subject = new Subject(repository.registry(), image, repository.credential() != null, false, false);
        return CompletableFuture.failedFuture(new RegistryFailure(describe(subject, error)));
    }

    private ResolveError describe(Subject subject, Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof RegistryFailure failure) {
            return failure.error();
        }
        if (e instanceof TransportException transport) {
            return errors.forTransport(subject, transport);
        }
        if (e instanceof RejectedExecutionException) {
            return new ResolveError(Kind.OVERLOADED, "too many lookups already wait for the registry threads");
        }
        return new ResolveError(
                Kind.REGISTRY_ERROR,
                "looking up " + subject.image() + " failed unexpectedly ("
                        + e.getClass().getSimpleName() + ")");
    }

    private static CompletionException failure(ResolveError error) {
        return new CompletionException(new RegistryFailure(error));
    }

    /** The listener's outcome label of a request. */
    static String outcome(HttpAnswer answer, Throwable error) {
        if (error != null) {
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (e instanceof TransportException transport) {
                return switch (transport.reason()) {
                    case DEADLINE -> "timeout";
                    case CONNECT -> "unreachable";
                    case TLS -> "tls";
                    case BLOCKED -> "blocked";
                    case TOO_LARGE -> "too_large";
                    case REDIRECT_REFUSED -> "redirect_refused";
                    case OVERLOADED -> "overloaded";
                    case IO -> "error";
                };
            }
            if (e instanceof RegistryFailure failure) {
                return failure.error().kind() == Kind.OVERLOADED ? "overloaded" : "timeout";
            }
            return "error";
        }
        int status = answer.status();
        if (status < 400) {
            return "ok";
        }
        return switch (status) {
            case 401, 403 -> "unauthorized";
            case 404 -> "not_found";
            case 429 -> "rate_limited";
            default -> status >= 500 ? "server_error" : "client_error";
        };
    }

    /** Successes live as {@code okLifetime} says; failures as long as the failure TTL (or the Retry-After). */
    private <K, V> Expiry<K, Outcome<V>> outcomeExpiry(Function<V, Duration> okLifetime) {
        Duration failureTtl = config.failureTtl();
        return new Expiry<>() {
            @Override
            public long expireAfterCreate(K key, Outcome<V> value, long currentTime) {
                if (value instanceof Outcome.Ok<V> ok) {
                    return okLifetime.apply(ok.value()).toNanos();
                }
                Duration retryAfter = ((Outcome.Failed<V>) value).error().retryAfter();
                return (retryAfter != null ? retryAfter : failureTtl).toNanos();
            }

            @Override
            public long expireAfterUpdate(K key, Outcome<V> value, long currentTime, long currentDuration) {
                return expireAfterCreate(key, value, currentTime);
            }

            @Override
            public long expireAfterRead(K key, Outcome<V> value, long currentTime, long currentDuration) {
                return currentDuration;
            }
        };
    }

    private static boolean isIdentityToken(RegistryCredential credential) {
        return credential.isIdentityToken();
    }

    private static String basic(RegistryCredential credential) {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString(
                                (credential.username() + ":" + credential.password()).getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Docker Hub's API lives at registry-1.docker.io, as runtimes know. */
    static String apiHost(String registry) {
        return "docker.io".equals(registry) ? "registry-1.docker.io" : registry;
    }

    @Override
    public void close() {
        blobThreads.shutdownNow();
        transport.close();
    }

    /** The GET of a manifest by tag or digest: any manifest type, bounded while it streams, no redirect off-host. */
    private ApiRequest manifestGet(Repository repository, String reference) {
        return new ApiRequest(
                "manifest",
                "GET",
                "/v2/" + repository.name() + "/manifests/" + reference,
                Map.of("Accept", MediaTypes.ACCEPT),
                config.maxManifestBytes(),
                RedirectPolicy.SAME_HOST);
    }
}
