package dev.imagesize.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * A proxy in front of the test API server that delays chosen requests: the operator talks plain HTTP to it with no
 * credentials, and it forwards every request over TLS with the test cluster's client certificate. A request whose
 * line matches is held for {@code delay} before it is forwarded; everything else (watches, upgrades) flows through.
 */
public final class SlowApiProxy implements AutoCloseable {
    /** GETs of single Secrets: what pull-secret reads do. */
    public static final Predicate<String> SECRET_GETS =
            Pattern.compile("^GET /api/v1/namespaces/[^/]+/secrets/[^/? ]+").asPredicate();

    private final ServerSocket server;
    private final SSLContext tls;
    private final String host;
    private final int port;
    private final Predicate<String> slow;
    private final Duration delay;
    private final AtomicInteger delayed = new AtomicInteger();

    private SlowApiProxy(Config upstream, Predicate<String> slow, Duration delay) throws Exception {
        URI master = URI.create(upstream.getMasterUrl());
        this.host = master.getHost();
        this.port = master.getPort();
        this.tls = SSLUtils.sslContext(upstream);
        this.slow = slow;
        this.delay = delay;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "slow-api-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    /** A proxy for {@code cluster} that holds requests matching {@code slow} for {@code delay}. */
    public static SlowApiProxy start(TestCluster cluster, Predicate<String> slow, Duration delay) {
        try {
            return new SlowApiProxy(Config.fromKubeconfig(Files.readString(cluster.kubeconfig())), slow, delay);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the API proxy: " + e, e);
        }
    }

    /** How many requests were held. */
    public int delayed() {
        return delayed.get();
    }

    /** A kubeconfig that reaches the API server through this proxy. */
    public Path kubeconfig() {
        try {
            Path file = Files.createTempFile("imagesize-proxied-kubeconfig-", ".yaml");
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: proxied, cluster: {server: "http://127.0.0.1:%d"}}]
                    users: [{name: proxied, user: {}}]
                    contexts: [{name: proxied, context: {cluster: proxied, user: proxied, namespace: default}}]
                    current-context: proxied
                    """.formatted(server.getLocalPort()));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread connection = new Thread(() -> serve(client), "slow-api-proxy-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client;
                Socket upstream = tls.getSocketFactory().createSocket(host, port)) {
            Thread back = new Thread(() -> pipe(upstream, client), "slow-api-proxy-back");
            back.setDaemon(true);
            back.start();
            InputStream in = client.getInputStream();
            OutputStream out = upstream.getOutputStream();
            while (true) {
                byte[] head = readHead(in);
                if (head == null) {
                    return;
                }
                String text = new String(head, StandardCharsets.ISO_8859_1);
                String requestLine = text.substring(0, text.indexOf("\r\n"));
                if (slow.test(requestLine)) {
                    delayed.incrementAndGet();
                    Thread.sleep(delay.toMillis());
                }
                out.write(head);
                String lower = text.toLowerCase(Locale.ROOT);
                if (lower.contains("\r\nupgrade:")) {
                    in.transferTo(out); // a WebSocket from here on
                    return;
                }
                long length = header(lower, "content-length");
                if (length > 0) {
                    copy(in, out, length);
                } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
                    copyChunks(in, out);
                }
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // a side closed: the connection ends
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // closed
        } finally {
            try {
                to.close();
                from.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** The request line and headers up to the blank line, or null at the end of the stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1
                    : 0;
        }
        return head.toByteArray();
    }

    private static long header(String lowerHead, String name) {
        int at = lowerHead.indexOf("\r\n" + name + ":");
        if (at < 0) {
            return -1;
        }
        int end = lowerHead.indexOf("\r\n", at + 2);
        return Long.parseLong(lowerHead.substring(at + name.length() + 3, end).trim());
    }

    private static void copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[8192];
        long left = length;
        while (left > 0) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (read < 0) {
                throw new IOException("closed in a body");
            }
            out.write(buffer, 0, read);
            left -= read;
        }
    }

    private static void copyChunks(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String sizeLine = line(in);
            out.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                String trailer;
                do {
                    trailer = line(in);
                    out.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                } while (!trailer.isEmpty());
                return;
            }
            copy(in, out, size + 2L); // the chunk and its CRLF
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in a chunk header");
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            previous = b;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
