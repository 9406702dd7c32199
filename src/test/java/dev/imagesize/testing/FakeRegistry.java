package dev.imagesize.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.imagesize.admission.Certificates;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An in-process registry for tests of the registry client: the JDK's HTTP server with one handler that each test
 * writes, served as plain HTTP (behind a front that answers TLS handshakes as a real plain-HTTP registry does, and
 * counts connections) or as HTTPS with a certificate of a CA made for it.
 */
public final class FakeRegistry implements AutoCloseable {
    static {
        // The JDK's server writes headers and body apart; without TCP_NODELAY every kept-alive response waits for the
        // client's delayed ACK (40 ms). Read once, when the JDK's server is first used.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** First byte of a TLS record carrying a handshake (the ClientHello). */
    private static final int TLS_HANDSHAKE_RECORD = 0x16;

    @FunctionalInterface
    public interface Answer {
        void answer(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService handlerThreads;
    private final List<Closeable> sockets = new CopyOnWriteArrayList<>();
    private final String address;
    private final String caPem;
    /** Connections the plain-HTTP front accepted, and how many of them are open now. */
    private final AtomicInteger accepted = new AtomicInteger();

    private final AtomicInteger open = new AtomicInteger();

    private FakeRegistry(HttpServer server, boolean plainHttpFront, String caPem, Answer answer) throws IOException {
        this.caPem = caPem;
        this.server = server;
        handlerThreads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "fake-registry");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(handlerThreads);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.setAttribute(BODY, exchange.getRequestBody().readAllBytes());
                answer.answer(exchange);
            } catch (IOException clientWentAway) {
                // the client may hang up on purpose (size limit, timeout)
            }
        });
        server.start();
        int port = server.getAddress().getPort();
        String host = server.getAddress().getAddress().getHostAddress();
        address = host + ":" + (plainHttpFront ? startFront(host, port) : port);
    }

    /** A plain-HTTP registry on loopback (reached only when it is listed as insecure). */
    public static FakeRegistry plainHttp(Answer answer) throws IOException {
        return plainHttpOn("127.0.0.1", answer);
    }

    /**
     * A plain-HTTP registry that, like the JDK's own server, ignores a TLS handshake and waits for a request line that
     * never comes (no front answers the ClientHello).
     */
    public static FakeRegistry plainHttpSilentOnTls(Answer answer) throws IOException {
        return new FakeRegistry(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), false, null, answer);
    }

    /** A plain-HTTP registry on {@code bindAddress}. */
    public static FakeRegistry plainHttpOn(String bindAddress, Answer answer) throws IOException {
        return new FakeRegistry(HttpServer.create(new InetSocketAddress(bindAddress, 0), 0), true, null, answer);
    }

    /**
     * An HTTPS registry whose certificate is signed by a CA made for it and trusted by nobody, so it is reached only
     * when it is listed as insecure, or with {@link #caPem()} as a registry CA.
     */
    public static FakeRegistry https(Answer answer) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        Certificates.ServingCertificate certificate = Certificates.generate(List.of("127.0.0.1"), Duration.ofDays(1));
        server.setHttpsConfigurator(new HttpsConfigurator(sslContext(certificate)));
        return new FakeRegistry(server, false, certificate.caCertPem(), answer);
    }

    /** The PEM of the CA that signed an HTTPS registry's certificate. */
    public String caPem() {
        return caPem;
    }

    /** Connections the plain-HTTP front accepted so far. */
    public int connectionsAccepted() {
        return accepted.get();
    }

    /** Connections of the plain-HTTP front open now. */
    public int connectionsOpen() {
        return open.get();
    }

    /** {@code host:port} as it appears in an image reference. */
    public String address() {
        return address;
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        for (Closeable socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing is all that matters
            }
        }
        handlerThreads.shutdownNow();
        assertThat(handlerThreads.awaitTermination(5, TimeUnit.SECONDS))
                .as("registry handler threads are released")
                .isTrue();
    }

    /**
     * The client tries HTTPS first even for an insecure registry and falls back to plain HTTP only when the TLS
     * handshake fails. A real plain-HTTP registry (Distribution, or nginx, Jetty, Tomcat in front of one) answers a ClientHello
     * at once with a 400, which fails the handshake; the JDK's HttpServer instead waits for a request line that never
     * comes, so every lookup would end in a read timeout. This front answers a ClientHello as Distribution does and
     * relays everything else to the HttpServer unchanged.
     */
    private int startFront(String host, int backendPort) throws IOException {
        ServerSocket front = new ServerSocket(0, 50, InetAddress.getByName(host));
        sockets.add(front);
        handlerThreads.execute(() -> {
            while (!front.isClosed()) {
                try {
                    Socket client = front.accept();
                    client.setTcpNoDelay(true); // the relay writes headers and body apart: no Nagle delays
                    accepted.incrementAndGet();
                    open.incrementAndGet();
                    sockets.add(client);
                    handlerThreads.execute(() -> {
                        try {
                            relay(host, client, backendPort);
                        } finally {
                            open.decrementAndGet();
                            sockets.remove(client);
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        });
        return front.getLocalPort();
    }

    private void relay(String host, Socket client, int backendPort) {
        try (client) {
            PushbackInputStream in = new PushbackInputStream(client.getInputStream(), 1);
            int first = in.read();
            if (first == TLS_HANDSHAKE_RECORD) {
                client.getOutputStream()
                        .write("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
                                .getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (first < 0) {
                return;
            }
            in.unread(first);
            try (Socket backend = new Socket(host, backendPort)) {
                backend.setTcpNoDelay(true);
                sockets.add(backend);
                handlerThreads.execute(() -> {
                    try {
                        in.transferTo(backend.getOutputStream());
                    } catch (IOException closed) {
                        // either side hung up
                    }
                    // The client closed its side: an HTTP client does that only when it is done with the
                    // connection (or gives up on it), so the relay closes both sides, as a server would.
                    closeQuietly(backend);
                    closeQuietly(client);
                });
                backend.getInputStream().transferTo(client.getOutputStream());
            } finally {
                client.close();
            }
        } catch (IOException closed) {
            // either side hung up
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that matters
        }
    }

    private static SSLContext sslContext(Certificates.ServingCertificate certificate) {
        try {
            String base64 =
                    certificate.keyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PrivateKey key = KeyFactory.getInstance("EC")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            X509Certificate[] chain = {
                Certificates.parse(certificate.certPem()), Certificates.parse(certificate.caCertPem())
            };
            char[] password = "fake-registry".toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("fake-registry", key, password, chain);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make the fake registry's TLS context: " + e.getMessage(), e);
        }
    }

    private static final String BODY = "fake-registry.request-body";

    /** The request's body (read before the handler runs, so that connections can be kept alive). */
    public static String requestBody(HttpExchange exchange) {
        return new String((byte[]) exchange.getAttribute(BODY), StandardCharsets.UTF_8);
    }

    public static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /**
     * Answers {@code status} with a chunked body of {@code bytes} bytes (JSON-looking filler), written until the client
     * hangs up; returns how many bytes were written.
     */
    public static long sendChunked(HttpExchange exchange, int status, String contentType, long bytes)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, 0);
        byte[] filler = new byte[64 * 1024];
        java.util.Arrays.fill(filler, (byte) ' ');
        filler[0] = '{';
        long written = 0;
        try (OutputStream out = exchange.getResponseBody()) {
            while (written < bytes) {
                int n = (int) Math.min(filler.length, bytes - written);
                out.write(filler, 0, n);
                written += n;
                filler[0] = ' ';
            }
        } catch (IOException clientWentAway) {
            // what a client that stops reading does
        }
        return written;
    }

    /** Answers 200 with {@code content} as a chunked blob in 64 KiB writes, until the client hangs up. */
    public static void sendBlob(HttpExchange exchange, byte[] content) throws IOException {
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            for (int at = 0; at < content.length; at += 64 * 1024) {
                out.write(content, at, Math.min(64 * 1024, content.length - at));
            }
        } catch (IOException clientWentAway) {
            // what a client that stops reading does
        }
    }

    /**
     * An answer that announces {@code content} whole, sends its first {@code sent} bytes and then stalls until
     * {@code released} opens (the test is over) or the client closes the connection.
     */
    public static Answer stalledBlob(byte[] content, int sent, java.util.concurrent.CountDownLatch released) {
        return exchange -> {
            exchange.sendResponseHeaders(200, content.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(content, 0, sent);
                out.flush();
                released.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (IOException | InterruptedException stopped) {
                // the client closed the connection
            }
        };
    }

    public static void sendManifest(HttpExchange exchange, String mediaType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Docker-Content-Digest", sha256(body));
        send(exchange, 200, mediaType, body);
    }

    public static byte[] errorBody(String code, String message) {
        return ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    public static String sha256(byte[] bytes) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String fakeDigest(char c) {
        return "sha256:" + String.valueOf(c).repeat(64);
    }

    /** An OCI image manifest, optionally with an annotation of {@code padding} characters. */
    public static byte[] ociManifest(long configSize, long[] layerSizes, int padding) {
        StringBuilder json = new StringBuilder()
                .append("{\"schemaVersion\":2,\"mediaType\":\"")
                .append("application/vnd.oci.image.manifest.v1+json")
                .append("\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"")
                .append(fakeDigest('c'))
                .append("\",\"size\":")
                .append(configSize)
                .append("},\"layers\":[");
        for (int i = 0; i < layerSizes.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
                    .append(fakeDigest((char) ('1' + i)))
                    .append("\",\"size\":")
                    .append(layerSizes[i])
                    .append("}");
        }
        json.append("]");
        if (padding > 0) {
            json.append(",\"annotations\":{\"padding\":\"")
                    .append("x".repeat(padding))
                    .append("\"}");
        }
        return json.append("}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
