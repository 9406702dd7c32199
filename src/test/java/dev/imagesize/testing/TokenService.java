package dev.imagesize.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A token service for the real Distribution registry's {@code auth.token} mode, as Docker Hub's auth.docker.io is for
 * Docker Hub: it signs RS256 JWTs with a key whose self-signed certificate is the registry's {@code rootcertbundle}
 * (the certificate travels in the token's {@code x5c} header). Repositories under {@code public/} may be pulled by
 * anyone; every other repository only with the Basic credentials given here. It records each request.
 */
public final class TokenService implements AutoCloseable {
    public static final String SERVICE = "imagesize-test-registry";
    public static final String ISSUER = "imagesize-test-token-service";

    /** One token request: its scope, and whether (and with what) it was authenticated. */
    public record Request(String scope, String authorization) {}

    private final HttpServer server;
    private final KeyPair key;
    private final X509Certificate certificate;
    private final Path rootCertificate;
    private final String user;
    private final String password;
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private TokenService(String user, String password) throws IOException, GeneralSecurityException {
        this.user = user;
        this.password = password;
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        key = generator.generateKeyPair();
        X500Name name = new X500Name("CN=" + ISSUER);
        Instant now = Instant.now();
        try {
            certificate = new JcaX509CertificateConverter()
                    .getCertificate(new JcaX509v3CertificateBuilder(
                                    name,
                                    BigInteger.valueOf(now.toEpochMilli()),
                                    Date.from(now.minus(1, ChronoUnit.HOURS)),
                                    Date.from(now.plus(1, ChronoUnit.DAYS)),
                                    name,
                                    key.getPublic())
                            .build(new JcaContentSignerBuilder("SHA256withRSA").build(key.getPrivate())));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
        rootCertificate = Files.createTempFile("token-service-root", ".crt");
        Files.writeString(
                rootCertificate,
                "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(certificate.getEncoded())
                        + "\n-----END CERTIFICATE-----\n");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::token);
        server.start();
    }

    /** Starts a token service that lets {@code user}/{@code password} pull every repository. */
    public static TokenService start(String user, String password) {
        try {
            return new TokenService(user, password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the token service's key: " + e.getMessage(), e);
        }
    }

    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** The registry configuration that delegates authentication to this service. */
    public String registryConfig() {
        return "auth:\n  token:\n    realm: " + realm() + "\n    service: " + SERVICE + "\n    issuer: " + ISSUER
                + "\n    rootcertbundle: " + rootCertificate + "\n";
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public String basicAuth() {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String scope = query.getOrDefault("scope", "");
            requests.add(new Request(scope, authorization));
            boolean authenticated = basicAuth().equals(authorization);
            if (authorization != null && !authenticated) {
                send(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
                return;
            }
            // scope: repository:NAME:pull[,push]
            String[] parts = scope.split(":");
            String repository = parts.length == 3 ? parts[1] : "";
            boolean granted = parts.length == 3
                    && parts[0].equals("repository")
                    && (authenticated || repository.startsWith("public/"));
            String access = granted
                    ? "[{\"type\":\"repository\",\"name\":\"" + repository + "\",\"actions\":[\"pull\"]}]"
                    : "[]";
            String token = jwt(authenticated ? user : "", access);
            send(
                    exchange,
                    200,
                    "{\"token\":\"" + token + "\",\"access_token\":\"" + token
                            + "\",\"expires_in\":300,\"issued_at\":\"" + Instant.now() + "\"}");
        }
    }

    private String jwt(String subject, String access) {
        try {
            long now = Instant.now().getEpochSecond();
            String header = "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5c\":[\""
                    + Base64.getEncoder().encodeToString(certificate.getEncoded()) + "\"]}";
            String claims = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + subject + "\",\"aud\":\"" + SERVICE
                    + "\",\"exp\":" + (now + 300) + ",\"nbf\":" + (now - 10) + ",\"iat\":" + now + ",\"jti\":\""
                    + UUID.randomUUID() + "\",\"access\":" + access + "}";
            String input = base64Url(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + base64Url(claims.getBytes(StandardCharsets.UTF_8));
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key.getPrivate());
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + base64Url(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int equals = pair.indexOf('=');
                query.put(
                        URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8),
                        URLDecoder.decode(equals < 0 ? "" : pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        try {
            Files.deleteIfExists(rootCertificate);
        } catch (IOException ignored) {
            // a temporary file
        }
    }
}
