package dev.imagesize.registry.http;

import dev.imagesize.registry.http.TransportException.Reason;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.jboss.logging.Logger;

/**
 * The one HTTP layer of the registry client: three long-lived JDK {@link HttpClient}s (TLS verified against the JVM's
 * CAs and the configured registry CAs; TLS unverified, for registries listed as insecure; plain HTTP), each with its
 * own pool of kept-alive connections, HTTP/1.1 only, used for every registry call. For the command line the TLS
 * clients are built when a registry first needs them (setting up TLS and reading the JVM's CA store take a short-lived
 * process a noticeable part of its run; {@link Settings#tlsOnFirstUse}), for the operator at once. The plain-HTTP
 * client has a TLS context that sets up nothing: it never performs a handshake.
 *
 * <p>Every exchange is bounded: a total deadline that closes the connection whatever phase it is in (connect, headers
 * or a slow body); successful bodies counted while they stream and refused past their limit, chunked or not; error
 * bodies read to at most {@value #ERROR_BODY_LIMIT} bytes; redirects never followed by the client itself but checked
 * here hop by hop ({@link RedirectPolicy}, {@link AddressGuard}). HTTP/1.1 because a cancelled HTTP/1.1 response
 * closes its connection and buffers at most what was asked for, where an HTTP/2 stream may buffer its whole flow-control
 * window (16 MiB by default in the JDK) before the reader sees a byte.
 */
public final class RegistryTransport implements AutoCloseable {
    /** Bytes of an error (non-2xx) body read at most; enough for any registry's JSON error list. */
    public static final int ERROR_BODY_LIMIT = 64 * 1024;

    private static final int REDIRECT_BODY_LIMIT = 4 * 1024;
    private static final int MAX_REDIRECTS = 5;
    private static final Logger LOG = Logger.getLogger(RegistryTransport.class);

    static {
        // The JDK's client keeps idle connections 20 minutes and pools any number of them; bound both (JVM-wide
        // settings, read once when the JDK's client is first used; a value given on the command line wins).
        setIfAbsent("jdk.httpclient.keepalive.timeout", "60");
        setIfAbsent("jdk.httpclient.connectionPoolSize", "256");
    }

    /**
     * How the transport connects.
     *
     * @param connectTimeout how long a TCP connection may take to be accepted
     * @param registryCas CA certificates trusted for registries besides the JVM's own
     * @param insecureRegistries {@code host[:port]} of registries reached with unverified TLS (and plain HTTP)
     * @param guard which addresses may be reached
     * @param userAgent the User-Agent header
     * @param tlsOnFirstUse build the TLS clients when a registry first needs them (a short-lived command line) rather
     *     than now (the operator, whose first admission should not wait for the CA store)
     */
    public record Settings(
            Duration connectTimeout,
            List<X509Certificate> registryCas,
            Set<String> insecureRegistries,
            AddressGuard guard,
            String userAgent,
            boolean tlsOnFirstUse) {
        public Settings {
            registryCas = List.copyOf(registryCas);
            insecureRegistries = Set.copyOf(insecureRegistries);
        }
    }

    private final Settings settings;
    private final ThreadPoolExecutor httpThreads;
    private final ThreadPoolExecutor dnsThreads;
    private final ScheduledThreadPoolExecutor deadlines;
    private final OnFirstUse verified;
    private final OnFirstUse unverified;
    private final HttpClient plain;
    private final AtomicLong exchanges = new AtomicLong();

    public RegistryTransport(Settings settings) {
        this.settings = settings;
        warnIfHeadersAreLogged();
        httpThreads = new ThreadPoolExecutor(
                4, 4, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemonThreads("imagesize-registry-http"));
        dnsThreads = new ThreadPoolExecutor(
                4, 4, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), daemonThreads("imagesize-registry-dns"));
        deadlines = new ScheduledThreadPoolExecutor(1, daemonThreads("imagesize-registry-deadlines"));
        deadlines.setRemoveOnCancelPolicy(true);
        verified = new OnFirstUse(() -> client(TlsContexts.verified(settings.registryCas())));
        unverified = new OnFirstUse(() -> client(TlsContexts.unverified()));
        plain = client(TlsContexts.plainHttpOnly());
        if (!settings.tlsOnFirstUse()) {
            verified.get();
            unverified.get();
        }
    }

    private HttpClient client(javax.net.ssl.SSLContext tls) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout())
                // the JVM's proxy settings (https.proxyHost, http.nonProxyHosts ...), as jib-core honoured them
                .proxy(java.net.ProxySelector.getDefault())
                .sslContext(tls)
                .executor(httpThreads)
                .build();
    }

    /** Exchanges started (redirect hops included), for tests and benchmarks. */
    public long exchanges() {
        return exchanges.get();
    }

    /** Sends {@code call} and reads its body into memory (bounded). Fails only with a {@link TransportException}. */
    public CompletableFuture<HttpAnswer> send(HttpCall call) {
        return start(call, false);
    }

    /**
     * Sends {@code call}; a successful answer's body is a {@link HttpAnswer.BodyStream} for the caller to read (bounded
     * by {@code maxBodyBytes} and the deadline) and close. Other answers have their bounded body in memory.
     */
    public CompletableFuture<HttpAnswer> open(HttpCall call) {
        return start(call, true);
    }

    private CompletableFuture<HttpAnswer> start(HttpCall call, boolean streaming) {
        String host = call.uri().getHost();
        if (host == null) {
            return CompletableFuture.failedFuture(new TransportException(Reason.IO, "invalid URL " + call.uri()));
        }
        String registryHost = call.namedBy() == null ? host : hostOf(call.namedBy());
        CompletableFuture<Void> checked = call.namedBy() == null
                ? check(() -> settings.guard().checkRegistry(host), host)
                : check(() -> settings.guard().checkNamedBy(host, registryHost, "the token realm"), host, registryHost);
        return checked.thenCompose(ok -> exchange(call, call.uri(), call.headers(), registryHost, 0, streaming));
    }

    /** A check that may resolve host names: inline when they are resolved already, else on the DNS threads. */
    private CompletableFuture<Void> check(AddressCheck check, String... hosts) {
        boolean resolved = true;
        for (String host : hosts) {
            resolved &= settings.guard().isResolved(host);
        }
        if (resolved) {
            try {
                check.run();
                return CompletableFuture.completedFuture(null);
            } catch (TransportException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            dnsThreads.execute(() -> {
                try {
                    check.run();
                    done.complete(null);
                } catch (TransportException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(
                    new TransportException(Reason.OVERLOADED, "too many host names waiting to be resolved"));
        }
        return done;
    }

    @FunctionalInterface
    private interface AddressCheck {
        void run() throws TransportException;
    }

    private CompletableFuture<HttpAnswer> exchange(
            HttpCall call, URI uri, Map<String, String> headers, String registryHost, int hop, boolean streaming) {
        Duration remaining = call.deadline().remaining();
        if (remaining.isZero()) {
            return CompletableFuture.failedFuture(timedOut(uri));
        }
        HttpRequest request;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                    .method(
                            call.method(),
                            call.form() == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(call.form()))
                    .timeout(remaining)
                    .header("User-Agent", settings.userAgent());
            if (call.form() != null) {
                builder.header("Content-Type", "application/x-www-form-urlencoded");
            }
            headers.forEach(builder::header);
            request = builder.build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new TransportException(Reason.IO, "invalid request to " + uri));
        }
        exchanges.incrementAndGet();
        Bodies bodies = new Bodies(call, streaming);
        HttpClient client;
        try {
            client = clientFor(uri);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(new TransportException(Reason.TLS, e.getMessage()));
        }
        CompletableFuture<HttpResponse<Object>> sent = client.sendAsync(request, bodies);
        ScheduledFuture<?> timer = deadlines.schedule(
                () -> {
                    bodies.abort(timedOut(uri));
                    sent.cancel(true);
                },
                remaining.toNanos(),
                TimeUnit.NANOSECONDS);
        bodies.onStreamClose = () -> timer.cancel(false);
        return sent.handle((response, error) -> {
                    if (error != null) {
                        timer.cancel(false);
                        return CompletableFuture.<HttpAnswer>failedFuture(classify(error, uri));
                    }
                    if (!(response.body() instanceof HttpAnswer.BodyStream)) {
                        timer.cancel(false);
                    }
                    return answerOrFollow(call, uri, headers, registryHost, hop, streaming, response);
                })
                .thenCompose(answer -> answer);
    }

    private CompletableFuture<HttpAnswer> answerOrFollow(
            HttpCall call,
            URI uri,
            Map<String, String> headers,
            String registryHost,
            int hop,
            boolean streaming,
            HttpResponse<Object> response) {
        int status = response.statusCode();
        String location = response.headers().firstValue("Location").orElse(null);
        if (isRedirect(status) && location != null) {
            return follow(call, uri, headers, registryHost, hop, streaming, location);
        }
        if (response.body() instanceof HttpAnswer.BodyStream stream) {
            return CompletableFuture.completedFuture(
                    new HttpAnswer(status, response.headers(), new byte[0], false, stream, uri));
        }
        BoundedBodySubscriber.Bytes body = (BoundedBodySubscriber.Bytes) response.body();
        return CompletableFuture.completedFuture(
                new HttpAnswer(status, response.headers(), body.bytes(), body.truncated(), null, uri));
    }

    private CompletableFuture<HttpAnswer> follow(
            HttpCall call,
            URI uri,
            Map<String, String> headers,
            String registryHost,
            int hop,
            boolean streaming,
            String location) {
        String from = "registry " + registryHost;
        if (call.redirects() == RedirectPolicy.NONE) {
            return refused(from + " answered " + uri.getPath() + " with a redirect, which is not followed there");
        }
        if (hop >= MAX_REDIRECTS) {
            return refused(from + " redirected more than " + MAX_REDIRECTS + " times");
        }
        URI next;
        try {
            next = uri.resolve(location.trim());
        } catch (IllegalArgumentException e) {
            return refused(from + " redirected to an invalid URL");
        }
        String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return refused(from + " redirected to a URL that is not HTTP");
        }
        if (uri.getScheme().equalsIgnoreCase("https") && scheme.equals("http")) {
            return refused(from + " redirected from https to http, which is never followed");
        }
        if (next.getHost() == null || next.getRawUserInfo() != null) {
            return refused(from + " redirected to a URL without a host or with credentials in it");
        }
        boolean sameHost = sameAuthority(uri, next);
        if (!sameHost && call.redirects() == RedirectPolicy.SAME_HOST) {
            return refused(from + " redirected to another host (" + next.getHost() + "), which is not followed here");
        }
        if (!sameHost && !scheme.equals("https")) {
            return refused(from + " redirected to another host over plain http, which is never followed");
        }
        Map<String, String> nextHeaders = headers;
        if (!sameHost) {
            nextHeaders = new HashMap<>(headers);
            nextHeaders.keySet().removeIf(name -> name.equalsIgnoreCase("Authorization"));
        }
        Map<String, String> forward = nextHeaders;
        String target = next.getHost();
        return check(() -> settings.guard().checkNamedBy(target, registryHost, "a redirect"), target, registryHost)
                .thenCompose(ok -> exchange(call, next, forward, registryHost, hop + 1, streaming));
    }

    private static <T> CompletableFuture<T> refused(String message) {
        return CompletableFuture.failedFuture(new TransportException(Reason.REDIRECT_REFUSED, message));
    }

    private HttpClient clientFor(URI uri) {
        if ("http".equalsIgnoreCase(uri.getScheme())) {
            return plain;
        }
        return (settings.insecureRegistries().contains(uri.getRawAuthority()) ? unverified : verified).get();
    }

    /** An HTTP client built by the first caller that needs it; later callers share it. */
    private static final class OnFirstUse {
        private final Supplier<HttpClient> build;
        private volatile HttpClient client;

        OnFirstUse(Supplier<HttpClient> build) {
            this.build = build;
        }

        HttpClient get() {
            HttpClient built = client;
            if (built == null) {
                synchronized (this) {
                    built = client;
                    if (built == null) {
                        built = build.get();
                        client = built;
                    }
                }
            }
            return built;
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean sameAuthority(URI a, URI b) {
        return a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static String hostOf(String authority) {
        String host = URI.create("//" + authority).getHost();
        return host == null ? authority : host;
    }

    private static TransportException timedOut(URI uri) {
        return new TransportException(Reason.DEADLINE, uri.getHost() + " did not answer in time");
    }

    /** Turns what the JDK's client reports into a reason and a message that carries nothing the server sent. */
    static TransportException classify(Throwable error, URI uri) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        String host = uri.getHost();
        if (e instanceof TransportException transport) {
            return transport;
        }
        if (e instanceof CancellationException) {
            return timedOut(uri);
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new TransportException(Reason.CONNECT, host + " did not accept a connection in time");
        }
        if (e instanceof HttpTimeoutException) {
            return timedOut(uri);
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof TransportException transport) {
                return transport;
            }
            if (cause instanceof SSLException) {
                return new TransportException(Reason.TLS, "the TLS handshake with " + host + " failed");
            }
            if (cause instanceof ConnectException
                    || cause instanceof NoRouteToHostException
                    || cause instanceof UnknownHostException
                    || cause instanceof UnresolvedAddressException) {
                return new TransportException(Reason.CONNECT, host + " refused the connection or cannot be reached");
            }
        }
        return new TransportException(
                Reason.IO,
                "the connection to " + host + " failed (" + e.getClass().getSimpleName() + ")");
    }

    /** Picks the body subscriber once the status and headers are known, and lets the deadline timer stop it. */
    private static final class Bodies implements HttpResponse.BodyHandler<Object> {
        private final HttpCall call;
        private final boolean streaming;
        private volatile AbortableBody current;
        private volatile java.io.IOException aborted;
        volatile Runnable onStreamClose = () -> {};

        Bodies(HttpCall call, boolean streaming) {
            this.call = call;
            this.streaming = streaming;
        }

        @Override
        public HttpResponse.BodySubscriber<Object> apply(HttpResponse.ResponseInfo info) {
            int status = info.statusCode();
            long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            boolean success = status >= 200 && status < 300;
            boolean head = call.method().equals("HEAD");
            String tooLarge = "the response to " + call.uri().getPath() + " is larger than the " + call.maxBodyBytes()
                    + "-byte limit";
            HttpResponse.BodySubscriber<Object> subscriber;
            if (success && !head && declared > call.maxBodyBytes()) {
                BoundedBodySubscriber refusing = new BoundedBodySubscriber(0, false, -1, tooLarge);
                refusing.abort(new TransportException(
                        Reason.TOO_LARGE,
                        "the response to " + call.uri().getPath() + " declares " + declared + " bytes, over the "
                                + call.maxBodyBytes() + "-byte limit"));
                subscriber = refusing;
            } else if (success && streaming && !head) {
                subscriber = new StreamingBodySubscriber(
                        call.maxBodyBytes(), call.deadline(), declared, tooLarge, () -> onStreamClose.run());
            } else if (success) {
                subscriber = new BoundedBodySubscriber(call.maxBodyBytes(), false, declared, tooLarge);
            } else {
                int limit = isRedirect(status) ? REDIRECT_BODY_LIMIT : ERROR_BODY_LIMIT;
                subscriber = new BoundedBodySubscriber(limit, true, declared, tooLarge);
            }
            current = (AbortableBody) subscriber;
            java.io.IOException why = aborted;
            if (why != null) {
                current.abort(why);
            }
            return subscriber;
        }

        void abort(java.io.IOException why) {
            aborted = why;
            AbortableBody body = current;
            if (body != null) {
                body.abort(why);
            }
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger number = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    private static void warnIfHeadersAreLogged() {
        String log = System.getProperty("jdk.httpclient.HttpClient.log", "").toLowerCase(Locale.ROOT);
        if (log.contains("headers") || log.contains("all")) {
            LOG.warn("jdk.httpclient.HttpClient.log makes the JDK's HTTP client print request headers, which carry"
                    + " registry credentials and tokens; unset it");
        }
    }

    /**
     * Stops the threads. The JDK clients' selector threads stop only with their clients (Java 17 has no call for it);
     * the command line, which must not wait for them at exit, interrupts them ({@code ImageSizeCli.exit}).
     */
    @Override
    public void close() {
        deadlines.shutdownNow();
        dnsThreads.shutdownNow();
        httpThreads.shutdownNow();
    }
}
