package dev.imagesize.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.Request;
import com.google.cloud.tools.jib.http.Response;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.image.json.OciIndexTemplate;
import com.google.cloud.tools.jib.image.json.UnknownManifestFormatException;
import com.google.cloud.tools.jib.image.json.V21ManifestTemplate;
import com.google.cloud.tools.jib.image.json.V22ManifestListTemplate;
import com.google.cloud.tools.jib.json.JsonTemplateMapper;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Reads manifests and image configs through jib-core's {@link RegistryClient}, which speaks the registry protocol
 * (anonymous, bearer-token and basic auth; Docker v2.2 and OCI manifests and indexes). Adds what jib does not:
 * a per-registry concurrency limit, a manifest size limit, digest verification, and every failure as a
 * {@link ResolveError}.
 */
public final class JibManifestSource implements ManifestSource {
    private static final long MAX_CONFIG_BYTES = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ResolverConfig config;
    private final FailoverHttpClient secureHttp;
    private final FailoverHttpClient insecureHttp;
    private final Map<String, Semaphore> permits = new ConcurrentHashMap<>();
    private final Map<ManifestSource.Repository, RegistryClient> clients = new ConcurrentHashMap<>();

    /** Told about every registry request: which registry, which call, how it ended, how long it took. */
    @FunctionalInterface
    public interface RequestListener {
        void requested(String registry, String call, String outcome, long nanos);

        RequestListener NONE = (registry, call, outcome, nanos) -> {};
    }

    private final RequestListener requests;

    public JibManifestSource(ResolverConfig config) {
        this(config, RequestListener.NONE);
    }

    public JibManifestSource(ResolverConfig config, RequestListener requests) {
        this.requests = requests;
        this.config = config;
        // jib reads its connect/read timeout from this property for every request.
        System.setProperty("jib.httpTimeout", Long.toString(config.httpTimeout().toMillis()));
        this.secureHttp = new GuardedHttpClient(false, config.maxManifestBytes());
        this.insecureHttp = new GuardedHttpClient(true, config.maxManifestBytes());
    }

    @Override
    public Manifest fetchManifest(Repository repository, String qualifier) throws RegistryFailure {
        ManifestAndDigest<ManifestTemplate> pulled =
                withRegistry(repository, qualifier, "manifest", client -> client.pullManifest(qualifier));
        String digest = pulled.getDigest().toString();
        if (qualifier.contains(":") && !qualifier.equals(digest)) {
            throw new RegistryFailure(new ResolveError(
                    Kind.BAD_RESPONSE,
                    "registry " + repository.registry() + " answered " + repository + "@" + qualifier
                            + " with a manifest whose digest is " + digest + "; refusing it"));
        }
        return toManifest(repository, qualifier, digest, pulled.getManifest());
    }

    @Override
    public Platform fetchConfigPlatform(Repository repository, Manifest.Image image) throws RegistryFailure {
        if (image.configSizeBytes() > MAX_CONFIG_BYTES) {
            throw new RegistryFailure(new ResolveError(
                    Kind.BAD_RESPONSE,
                    "image config " + image.configDigest() + " of " + repository + " is " + image.configSizeBytes()
                            + " bytes, over the 1 MiB read limit"));
        }
        DescriptorDigest configDigest;
        try {
            configDigest = DescriptorDigest.fromDigest(image.configDigest());
        } catch (java.security.DigestException e) {
            throw new RegistryFailure(new ResolveError(
                    Kind.BAD_RESPONSE,
                    "manifest " + image.digest() + " of " + repository + " names an invalid config digest"));
        }
        byte[] json = withRegistry(repository, image.configDigest(), "config", client -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            client.pullBlob(configDigest, size -> {}, written -> {})
                    .writeTo(new BoundedOutputStream(out, MAX_CONFIG_BYTES));
            return out.toByteArray();
        });
        try {
            JsonNode node = JSON.readTree(json);
            String os = node.path("os").asText("");
            String architecture = node.path("architecture").asText("");
            String variant = node.path("variant").asText(null);
            if (os.isEmpty() || architecture.isEmpty()) {
                return new Platform("unknown", "unknown", null);
            }
            return new Platform(os, architecture, variant);
        } catch (IOException e) {
            throw new RegistryFailure(new ResolveError(
                    Kind.BAD_RESPONSE,
                    "image config " + image.configDigest() + " of " + repository + " is not valid JSON"));
        }
    }

    private Manifest toManifest(Repository repository, String qualifier, String digest, ManifestTemplate template)
            throws RegistryFailure {
        if (template instanceof BuildableManifestTemplate image) {
            List<String> mediaTypes = layerMediaTypes(image);
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < image.getLayers().size(); i++) {
                var layer = image.getLayers().get(i);
                layers.add(new Layer(Objects.toString(layer.getDigest(), ""), layer.getSize(), mediaTypes.get(i)));
            }
            var configuration = image.getContainerConfiguration();
            if (configuration == null || configuration.getDigest() == null) {
                throw new RegistryFailure(new ResolveError(
                        Kind.BAD_RESPONSE, "manifest " + digest + " of " + repository + " has no config descriptor"));
            }
            return new Manifest.Image(
                    digest,
                    image.getManifestMediaType(),
                    configuration.getDigest().toString(),
                    configuration.getSize(),
                    layers);
        }
        if (template instanceof OciIndexTemplate index) {
            List<Manifest.Entry> entries = new ArrayList<>();
            for (OciIndexTemplate.ManifestDescriptorTemplate entry : index.getManifests()) {
                var platform = entry.getPlatform();
                entries.add(new Manifest.Entry(
                        Objects.toString(entry.getDigest(), ""),
                        null,
                        entry.getSize(),
                        platform == null ? null : new Platform(platform.getOs(), platform.getArchitecture(), null),
                        entry.getAnnotations()));
            }
            return new Manifest.Index(digest, OciIndexTemplate.MEDIA_TYPE, entries);
        }
        if (template instanceof V22ManifestListTemplate list) {
            List<Manifest.Entry> entries = new ArrayList<>();
            for (V22ManifestListTemplate.ManifestDescriptorTemplate entry : list.getManifests()) {
                var platform = entry.getPlatform();
                entries.add(new Manifest.Entry(
                        entry.getDigest(),
                        entry.getMediaType(),
                        0,
                        platform == null ? null : new Platform(platform.getOs(), platform.getArchitecture(), null),
                        Map.of()));
            }
            return new Manifest.Index(digest, V22ManifestListTemplate.MANIFEST_MEDIA_TYPE, entries);
        }
        String mediaType = template instanceof V21ManifestTemplate
                ? V21ManifestTemplate.MEDIA_TYPE + " (Docker schema 1)"
                : template.getManifestMediaType();
        throw new RegistryFailure(new ResolveError(
                Kind.UNSUPPORTED,
                "unsupported manifest type " + mediaType + " for " + repository + ":" + qualifier
                        + "; push the image again with a current Docker or OCI client"));
    }

    /**
     * jib's descriptor templates keep each layer's media type but do not expose it; serializing the template with
     * jib's own mapper gives it back (gzip, zstd, foreign layers).
     */
    private static List<String> layerMediaTypes(BuildableManifestTemplate image) {
        List<String> types = new ArrayList<>();
        try {
            for (JsonNode layer :
                    JSON.readTree(JsonTemplateMapper.toByteArray(image)).path("layers")) {
                types.add(layer.path("mediaType").asText(""));
            }
        } catch (IOException e) {
            // cannot happen for a template jib just parsed; sizes do not depend on it
        }
        while (types.size() < image.getLayers().size()) {
            types.add("");
        }
        return types;
    }

    /** One registry call ({@code what}: manifest or config), with the registry's concurrency permit held and every failure turned into a value. */
    private <T> T withRegistry(Repository repository, String qualifier, String what, RegistryCall<T> call)
            throws RegistryFailure {
        Semaphore permit = permits.computeIfAbsent(
                repository.registry(), r -> new Semaphore(config.perRegistryConcurrency(), true));
        boolean acquired = false;
        try {
            acquired = permit.tryAcquire(config.httpTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!acquired) {
                throw new RegistryFailure(new ResolveError(
                        Kind.TIMEOUT,
                        "too many requests already waiting on registry " + repository.registry() + "; no slot within "
                                + config.httpTimeout().toSeconds() + "s"));
            }
            long start = System.nanoTime();
            String outcome = "error";
            try {
                T result = call.apply(client(repository));
                outcome = "ok";
                return result;
            } finally {
                requests.requested(repository.registry(), what, outcome, System.nanoTime() - start);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryFailure(new ResolveError(Kind.TIMEOUT, "lookup of " + repository + " was cancelled"));
        } catch (RegistryException | IOException | RuntimeException e) {
            clients.remove(repository);
            throw new RegistryFailure(describe(repository, qualifier, e));
        } finally {
            if (acquired) {
                permit.release();
            }
        }
    }

    private RegistryClient client(Repository repository) throws IOException, RegistryException {
        RegistryClient cached = clients.get(repository);
        if (cached != null) {
            return cached;
        }
        boolean insecure = config.isInsecure(repository.registry());
        RegistryClient.Factory factory = RegistryClient.factory(
                        EventHandlers.NONE,
                        apiHost(repository.registry()),
                        repository.name(),
                        insecure ? insecureHttp : secureHttp)
                .setUserAgent("image-size-operator");
        RegistryCredential credential = repository.credential();
        if (credential != null) {
            factory.setCredential(Credential.from(credential.username(), credential.password()));
        }
        RegistryClient client = factory.newRegistryClient();
        if (!client.doPullBearerAuth() && credential != null) {
            client.configureBasicAuth();
        }
        if (clients.size() > 1_000) {
            clients.clear();
        }
        clients.put(repository, client);
        return client;
    }

    /** Docker Hub's API lives at registry-1.docker.io, as runtimes know. */
    static String apiHost(String registry) {
        return "docker.io".equals(registry) ? "registry-1.docker.io" : registry;
    }

    static ResolveError describe(Repository repository, String qualifier, Exception e) {
        String image = repository + (qualifier.contains(":") ? "@" : ":") + qualifier;
        String registry = repository.registry();
        if (e instanceof RegistryCredentialsNotSentException) {
            // jib never sends credentials over plain HTTP, so a pull secret cannot help until the registry has TLS
            String tls = " credentials are never sent over plain HTTP: serve " + registry + " over HTTPS"
                    + " (list it as an insecure registry if its certificate is self-signed)";
            return new ResolveError(
                    Kind.UNAUTHORIZED,
                    "registry " + registry + " refused access to " + image
                            + (repository.credential() == null
                                    ? " without credentials over plain HTTP; it needs an image pull secret for "
                                            + registry + ", and" + tls
                                    : " over plain HTTP; the pull secret's credentials for " + registry
                                            + " were not sent, as" + tls));
        }
        if (e instanceof RegistryUnauthorizedException || refusedByTokenEndpoint(e)) {
            return new ResolveError(
                    Kind.UNAUTHORIZED,
                    "registry " + registry + " refused access to " + image
                            + (repository.credential() == null
                                    ? " without credentials; add an image pull secret for " + registry
                                    : " with the credentials for " + registry + "; check the pull secret"));
        }
        if (e instanceof UnknownManifestFormatException) {
            return new ResolveError(
                    Kind.UNSUPPORTED, "unsupported manifest type for " + image + ": " + firstLine(e.getMessage()));
        }
        if (e instanceof InsecureRegistryException
                || e.getCause() instanceof SSLException
                || e instanceof SSLException) {
            return new ResolveError(
                    Kind.UNREACHABLE,
                    "TLS with registry " + registry + " failed (untrusted or invalid certificate, or plain HTTP);"
                            + " trust its CA, or list it as an insecure registry if it is plain HTTP");
        }
        // jib's RegistryErrorException (not public) carries the registry's error codes
        if (e instanceof RegistryException) {
            String message = String.valueOf(e.getMessage()).toLowerCase();
            if (message.contains("manifest unknown")
                    || message.contains("name unknown")
                    || message.contains("blob unknown")
                    || message.contains("not found")) {
                return new ResolveError(Kind.NOT_FOUND, "image " + image + " not found in registry " + registry);
            }
            return new ResolveError(
                    Kind.REGISTRY_ERROR,
                    "registry " + registry + " refused " + image + ": " + firstLine(e.getMessage()));
        }
        Throwable cause = e;
        while (cause != null) {
            if (cause instanceof JsonProcessingException notJson) {
                return new ResolveError(
                        Kind.BAD_RESPONSE,
                        "registry " + registry + " answered " + image + " with a body that is not valid JSON ("
                                + firstLine(notJson.getOriginalMessage()) + "); check that " + registry
                                + " is a container registry and not a proxy or web page");
            }
            if (cause instanceof ManifestTooLargeException tooLarge) {
                return new ResolveError(Kind.BAD_RESPONSE, tooLarge.getMessage() + " for " + image);
            }
            if (cause instanceof ResponseException response) {
                return httpStatusError(registry, image, response);
            }
            if (cause instanceof SSLException) {
                return new ResolveError(
                        Kind.UNREACHABLE,
                        "TLS with registry " + registry + " failed (" + firstLine(cause.getMessage())
                                + "); trust its CA," + " or list it as an insecure registry if it is plain HTTP");
            }
            if (cause instanceof SocketTimeoutException) {
                return new ResolveError(Kind.TIMEOUT, "registry " + registry + " did not answer in time for " + image);
            }
            if (cause instanceof ConnectException
                    || cause instanceof UnknownHostException
                    || cause instanceof NoRouteToHostException) {
                return new ResolveError(
                        Kind.UNREACHABLE,
                        "registry " + registry + " is unreachable ("
                                + cause.getClass().getSimpleName() + ": " + firstLine(cause.getMessage()) + ")");
            }
            cause = cause.getCause() == cause ? null : cause.getCause();
        }
        return new ResolveError(
                Kind.REGISTRY_ERROR,
                "looking up " + image + " failed: " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()));
    }

    /**
     * jib reports a bearer-token endpoint that refuses the credentials (or anonymous access) with 401 or 403 as a failed
     * authentication rather than as unauthorized; to the user it is the same: the pull secret is missing or wrong.
     */
    private static boolean refusedByTokenEndpoint(Exception e) {
        return e instanceof RegistryAuthenticationFailedException
                && e.getCause() instanceof ResponseException response
                && (response.getStatusCode() == 401 || response.getStatusCode() == 403);
    }

    private static ResolveError httpStatusError(String registry, String image, ResponseException response) {
        int status = response.getStatusCode();
        if (status == 429) {
            Duration retryAfter = retryAfter(response.getHeaders().getFirstHeaderStringValue("Retry-After"));
            return new ResolveError(
                    Kind.RATE_LIMITED,
                    "registry " + registry + " is rate limiting us (HTTP 429) for " + image
                            + (retryAfter == null ? "" : "; retrying after " + retryAfter.toSeconds() + "s"),
                    retryAfter);
        }
        return new ResolveError(
                Kind.REGISTRY_ERROR, "registry " + registry + " answered HTTP " + status + " for " + image);
    }

    /** Retry-After is either delta-seconds or an HTTP date. */
    static Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime when = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration delay = Duration.between(ZonedDateTime.now(when.getZone()), when);
                return delay.isNegative() ? Duration.ZERO : delay;
            } catch (RuntimeException notDate) {
                return null;
            }
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }

    @FunctionalInterface
    private interface RegistryCall<T> {
        T apply(RegistryClient client) throws IOException, RegistryException;
    }

    /** Refuses manifest responses that declare more bytes than the limit, before jib reads them. */
    private static final class GuardedHttpClient extends FailoverHttpClient {
        private final long maxManifestBytes;

        GuardedHttpClient(boolean insecure, long maxManifestBytes) {
            super(insecure, false, event -> {});
            this.maxManifestBytes = maxManifestBytes;
            disableRetries();
        }

        /**
         * jib retries every I/O error with exponential back-off (about 50 s against a stopped registry) and offers no
         * public switch. Callers here have deadlines and the resolver remembers failures, so a fast, honest failure
         * is worth more than retries: turn them off through jib's own field.
         */
        private void disableRetries() {
            try {
                java.lang.reflect.Field retry = FailoverHttpClient.class.getDeclaredField("enableRetry");
                retry.setAccessible(true);
                retry.setBoolean(this, false);
            } catch (ReflectiveOperationException | RuntimeException e) {
                org.jboss.logging.Logger.getLogger(JibManifestSource.class)
                        .debugf("jib retries stay on (%s); deadlines still bound every lookup", e.toString());
            }
        }

        @Override
        public Response call(String method, URL url, Request request) throws IOException {
            Response response = super.call(method, url, request);
            if (url.getPath().contains("/manifests/")) {
                long length;
                try {
                    length = response.getContentLength();
                } catch (NumberFormatException e) {
                    length = -1;
                }
                if (length > maxManifestBytes) {
                    response.close();
                    throw new ManifestTooLargeException(length, maxManifestBytes);
                }
            }
            return response;
        }
    }

    /** A manifest over the size limit; large manifests are a way to exhaust memory, never a real image. */
    static final class ManifestTooLargeException extends IOException {
        ManifestTooLargeException(long length, long limit) {
            super("registry sent a " + length + "-byte manifest, over the " + limit + "-byte limit");
        }
    }

    /** Stops writing past a limit, so a lying registry cannot make us buffer a huge config blob. */
    private static final class BoundedOutputStream extends OutputStream {
        private final OutputStream out;
        private final long limit;
        private long written;

        BoundedOutputStream(OutputStream out, long limit) {
            this.out = out;
            this.limit = limit;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count(len);
            out.write(b, off, len);
        }

        private void count(int n) throws IOException {
            written += n;
            if (written > limit) {
                throw new IOException("blob larger than the " + limit + "-byte read limit");
            }
        }
    }
}
