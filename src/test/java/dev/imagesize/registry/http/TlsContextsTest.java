package dev.imagesize.registry.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** The TLS context of the plain-HTTP client: plain HTTP works on it, TLS does not. */
class TlsContextsTest {
    private final SSLContext plain = TlsContexts.plainHttpOnly();

    @Test
    void anHttpClientOnThePlainContextSpeaksPlainHttp() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v2/", exchange -> {
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            HttpClient client = HttpClient.newBuilder().sslContext(plain).build();
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v2/");
            HttpResponse<String> response =
                    client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{}");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void thePlainContextMakesNoTlsConnection() {
        assertThatThrownBy(() -> plain.createSSLEngine("registry.example", 443))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("plain HTTP only");
        assertThatThrownBy(plain::getSocketFactory).isInstanceOf(UnsupportedOperationException.class);
        HttpClient client = HttpClient.newBuilder().sslContext(plain).build();
        assertThatThrownBy(() -> client.send(
                        HttpRequest.newBuilder(URI.create("https://127.0.0.1:9/"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding()))
                .isInstanceOf(IOException.class);
    }
}
