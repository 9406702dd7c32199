package dev.imagesize.testing;

import dev.imagesize.admission.Certificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTPS as a hostile peer speaks it: raw bytes over a TLS socket, so a test controls every header, the TLS version,
 * the cipher, and how much of a request is ever sent. Trusts one CA; optionally presents a client certificate.
 */
public final class RawHttps {
    private final SSLContext tls;
    private final int port;

    /** An HTTP answer as it arrived on the wire. */
    public record Response(int status, Map<String, String> headers, String body) {
        /** A header by its lower-case name, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttps(SSLContext tls, int port) {
        this.tls = tls;
        this.port = port;
    }

    /** A client of 127.0.0.1:{@code port} trusting {@code caPem}. */
    public static RawHttps trusting(String caPem, int port) {
        return new RawHttps(context(caPem, null, null), port);
    }

    /** The same, presenting a client certificate ({@code certPem}, PKCS#8 {@code keyPem}). */
    public static RawHttps withClientCertificate(String caPem, String certPem, String keyPem, int port) {
        return new RawHttps(context(caPem, certPem, keyPem), port);
    }

    /** A connected TLS socket (handshake done) with the given read timeout. */
    public SSLSocket open(Duration readTimeout) throws IOException {
        return open(readTimeout, null, null);
    }

    /** A connected TLS socket restricted to these protocols and cipher suites (null: the JDK's defaults). */
    public SSLSocket open(Duration readTimeout, String[] protocols, String[] cipherSuites) throws IOException {
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        if (protocols != null) {
            socket.setEnabledProtocols(protocols);
        }
        if (cipherSuites != null) {
            socket.setEnabledCipherSuites(cipherSuites);
        }
        socket.startHandshake();
        return socket;
    }

    /** POSTs {@code body} to {@code path} on a new connection and reads the answer. */
    public Response post(String path, byte[] body, Duration readTimeout) throws IOException {
        try (SSLSocket socket = open(readTimeout)) {
            write(socket, request(path, body));
            return read(socket.getInputStream());
        }
    }

    /** A complete HTTP/1.1 POST of {@code body} to {@code path}, as bytes. */
    public static byte[] request(String path, byte[] body) {
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /** Writes the bytes in one go (one TLS record stream, no small writes waiting on acknowledgements). */
    public static void write(SSLSocket socket, byte[] bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    /** Reads one HTTP/1.x response (status line, headers, a Content-Length or chunked body) from {@code in}. */
    public static Response read(InputStream in) throws IOException {
        String head = readHead(in);
        if (head == null) {
            throw new IOException("connection closed before a response");
        }
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            while (true) {
                int size = Integer.parseInt(readLine(in).trim(), 16);
                if (size == 0) {
                    readLine(in);
                    break;
                }
                all.write(in.readNBytes(size));
                readLine(in);
            }
            body = all.toByteArray();
        } else {
            body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    /** The bytes up to the blank line that ends a response head, or null when the peer closed first. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    /**
     * True when the peer closed the connection: a read returns end of stream (or the socket is reset). Whatever the
     * peer sent before is read and dropped, so an answer before the close does not hide it.
     */
    public static boolean closedByPeer(SSLSocket socket) {
        return closedByPeer(socket, OutputStream.nullOutputStream());
    }

    /** As {@link #closedByPeer(SSLSocket)}, keeping what the peer sent in {@code received}. */
    public static boolean closedByPeer(SSLSocket socket, OutputStream received) {
        byte[] buffer = new byte[8192];
        try {
            for (int read; (read = socket.getInputStream().read(buffer)) >= 0; ) {
                received.write(buffer, 0, read);
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static SSLContext context(String caPem, String certPem, String keyPem) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", Certificates.parse(caPem));
            TrustManagerFactory trustManagers =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            KeyManagerFactory keyManagers = null;
            if (certPem != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry(
                        "client", privateKey(keyPem), new char[0], new Certificate[] {Certificates.parse(certPem)});
                keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keyManagers.init(keys, new char[0]);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(
                    keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(String pkcs8Pem) throws GeneralSecurityException {
        StringBuilder base64 = new StringBuilder();
        new java.io.BufferedReader(new StringReader(pkcs8Pem))
                .lines()
                .filter(line -> !line.startsWith("-----"))
                .forEach(base64::append);
        byte[] der = Base64.getDecoder().decode(base64.toString());
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /** Sends {@code text} on the socket as ASCII. */
    public static void send(SSLSocket socket, String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
