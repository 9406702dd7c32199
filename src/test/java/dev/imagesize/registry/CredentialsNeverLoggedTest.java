package dev.imagesize.registry;

import static dev.imagesize.testing.FakeRegistry.errorBody;
import static dev.imagesize.testing.FakeRegistry.send;
import static dev.imagesize.testing.FakeRegistry.sendManifest;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import dev.imagesize.Deadline;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import dev.imagesize.registry.http.AddressGuard;
import dev.imagesize.registry.http.RegistryTransport;
import dev.imagesize.testing.FakeRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With every logger at the finest level (the project's, and the JDK HTTP client's), registry credentials, their Basic
 * encoding and the bearer tokens they buy never appear in a log record, whatever the flow: Basic auth, a token for
 * credentials, credentials over plain HTTP where allowed (which is logged, as a warning), refused credentials.
 */
class CredentialsNeverLoggedTest {
    private static final String USER = "robot";
    private static final String PASSWORD = "s3cret-Pa55-logged-never";
    private static final String TOKEN = "tok-3f9a-never-logged";
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    private static final List<String> LOGGERS =
            List.of("", "dev.imagesize", "jdk.httpclient.HttpClient", "jdk.internal.httpclient.debug", "org.jboss");

    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            logged.add(formatter.format(record));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private final List<Level> levels = new CopyOnWriteArrayList<>();
    private final byte[] manifest = FakeRegistry.ociManifest(100, new long[] {200}, 0);

    @BeforeEach
    void everyLoggerAtTheFinestLevel() {
        capture.setLevel(Level.ALL);
        for (String name : LOGGERS) {
            Logger logger = Logger.getLogger(name);
            levels.add(logger.getLevel());
            logger.setLevel(Level.ALL);
        }
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void restoreLevels() {
        Logger.getLogger("").removeHandler(capture);
        for (int i = 0; i < LOGGERS.size(); i++) {
            Logger.getLogger(LOGGERS.get(i)).setLevel(levels.get(i));
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Basic auth on /v2/ and the manifests; a bearer challenge whose token service wants the same credentials. */
    private void answer(HttpExchange exchange, boolean bearer, String realm) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (path.equals("/token")) {
            if (basic(USER, PASSWORD).equals(authorization)) {
                send(
                        exchange,
                        200,
                        "application/json",
                        ("{\"token\":\"" + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8));
            } else {
                send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "no"));
            }
            return;
        }
        String expected = bearer ? "Bearer " + TOKEN : basic(USER, PASSWORD);
        if (!expected.equals(authorization)) {
            exchange.getResponseHeaders()
                    .set(
                            "WWW-Authenticate",
                            bearer ? "Bearer realm=\"" + realm + "\",service=\"fake\"" : "Basic realm=\"fake\"");
            send(exchange, 401, "application/json", errorBody("UNAUTHORIZED", "authentication required"));
        } else if (path.equals("/v2/")) {
            send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        } else {
            sendManifest(exchange, MANIFEST_TYPE, manifest);
        }
    }

    private void fetch(ResolverConfig config, String registry, String password) throws Exception {
        try (RegistryClient client = RegistryClient.create(config)) {
            client.manifest(
                            new ManifestSource.Repository(registry, "app", new RegistryCredential(USER, password)),
                            "v1",
                            new RequestContext(Priority.ADMISSION, Deadline.in(Duration.ofSeconds(20)), Runnable::run))
                    .handle((ok, error) -> null)
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void noFlowLogsACredentialOrAToken() throws Exception {
        String[] realm = new String[1];
        try (FakeRegistry basicTls = FakeRegistry.https(exchange -> answer(exchange, false, null));
                FakeRegistry bearerTls = FakeRegistry.https(exchange -> answer(exchange, true, realm[0]));
                FakeRegistry basicPlain = FakeRegistry.plainHttp(exchange -> answer(exchange, false, null))) {
            realm[0] = "https://" + bearerTls.address() + "/token";
            ResolverConfig config = ResolverConfig.defaults().toBuilder()
                    .insecureRegistries(Set.of(basicTls.address(), bearerTls.address(), basicPlain.address()))
                    .plainHttpCredentials(Set.of(basicPlain.address()))
                    .build();

            fetch(config, basicTls.address(), PASSWORD);
            fetch(config, bearerTls.address(), PASSWORD);
            fetch(config, basicPlain.address(), PASSWORD);
            fetch(config, bearerTls.address(), PASSWORD + "-wrong");
        }

        assertThat(logged)
                .as("the warning about credentials over plain HTTP shows the capture works")
                .anySatisfy(line -> assertThat(line).contains("over plain HTTP"));
        assertThat(String.join("\n", logged))
                .doesNotContain(PASSWORD)
                .doesNotContain(basic(USER, PASSWORD).substring("Basic ".length()))
                .doesNotContain(basic(USER, PASSWORD + "-wrong").substring("Basic ".length()))
                .doesNotContain(TOKEN);
    }

    @Test
    void askingTheJdkClientToLogHeadersIsWarnedAbout() {
        String property = "jdk.httpclient.HttpClient.log";
        String before = System.getProperty(property);
        System.setProperty(property, "errors,headers");
        try (RegistryTransport transport = new RegistryTransport(new RegistryTransport.Settings(
                Duration.ofSeconds(1), List.of(), Set.of(), AddressGuard.withDefaults(), "test", false))) {
            assertThat(logged).anySatisfy(line -> assertThat(line)
                    .contains("jdk.httpclient.HttpClient.log")
                    .contains("carry registry credentials"));
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }
}
