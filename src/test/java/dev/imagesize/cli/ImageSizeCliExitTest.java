package dev.imagesize.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The command line ends the JDK HTTP clients' selector threads before it exits: a selector thread waits in native code,
 * and the JVM's exit waits 0.3 s for such threads.
 */
class ImageSizeCliExitTest {

    @Test
    void theSelectorThreadOfAUsedClientEnds() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            int status = client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + server.getAddress().getPort() + "/"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            assertThat(status).isEqualTo(204);
            assertThat(selectorThreads()).as("the client has a selector thread").isNotEmpty();

            assertThat(ImageSizeCli.stopHttpClientSelectors()).isEmpty();
            assertThat(selectorThreads()).isEmpty();
        } finally {
            server.stop(0);
        }
    }

    private static List<Thread> selectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(t ->
                        t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager"))
                .toList();
    }
}
