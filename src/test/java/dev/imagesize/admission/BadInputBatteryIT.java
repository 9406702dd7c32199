package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.testing.BadInputReport;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.Openssl;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.RawHttps;
import dev.imagesize.testing.TestCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input battery of issue 11 (reliability review §4.5): what a network peer, a pod author and a policy author
 * can send, against the operator jar as its own process at the heap the chart's 512Mi limit gives it (-Xmx128m,
 * exiting on OutOfMemoryError) and the real API server. Every input must be answered (or its connection closed by the
 * server) within its bound, leave the heap after GC less than 20 MiB larger, and leave the process alive. The figures
 * go to target/bad-input-battery.md ("N of M bad inputs handled within bounds", for BENCHMARKS.md).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputBatteryIT {
    private static final String NS = "battery-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String POLICY = NS + "-warn";
    private static final String WEBHOOK = NS + "-webhook";
    private static final Duration DEADLINE = Duration.ofMillis(2500);
    /** An answer to one review: the deadline plus half a second (the reliability review's bound). */
    private static final Duration ANSWERED = DEADLINE.plusMillis(500);

    private static final long HEAP_BOUND = 20L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BadInputReport REPORT = new BadInputReport();

    private static TestCluster cluster;
    private static Kubectl kubectl;
    private static OperatorProcess operator;
    private static RawHttps client;
    /** Heap after GC when the last input was done (before the first: after start-up and the first review). */
    private static long heapBefore;

    private static long heapAtStart;

    /** One bad input: what it is, how long its answer may take, and what happening to it means. */
    record BadInput(String family, String name, Duration bound, Attempt attempt) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Sends the input and checks the documented outcome; returns it in a few words for the report. */
    interface Attempt {
        String run() throws Exception;
    }

    @BeforeAll
    static void start() {
        cluster = TestCluster.get().withCrds();
        kubectl = cluster.kubectl();
        operator = OperatorProcess.start(
                cluster,
                Map.of(
                        "imagesize.webhook.deadline",
                        DEADLINE.toMillis() + "ms",
                        "imagesize.leader-election.lease-name",
                        NS),
                List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"));
        client = RawHttps.trusting(operator.caBundlePem(), operator.webhookPort());
        kubectl.run("create", "namespace", NS).assertSuccess();
        kubectl.runWithInput("""
                        apiVersion: imagesize.dev/v1alpha1
                        kind: ClusterImageSizePolicy
                        metadata: {name: %s}
                        spec:
                          action: Warn
                          maxImageSize: 1Mi
                          onResolveError: Warn
                          namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: %s}}
                          exclude:
                            images: ['*.dkr.ecr.*.amazonaws.com/*', '*a*a*a*a*a*a*a*b', 'docker.io/library/nginx*']
                          overrides:
                          - {images: ['*a*a*a*b', '*/acme/*'], maxImageSize: 2Mi}
                        """.formatted(POLICY, NS), "apply", "-f", "-").assertSuccess();
        kubectl.runWithInput(webhookConfiguration(), "apply", "-f", "-").assertSuccess();
        // the policy reaches the webhook through an informer: wait until a review is governed by it
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> post(review(
                        "probe", "Pod", "CREATE", pod("reg.invalid/probe:1")))
                .body()
                .contains(POLICY));
        heapBefore = operator.heapAfterGc();
        heapAtStart = heapBefore;
    }

    @AfterAll
    static void stop() {
        if (operator != null && operator.isAlive()) {
            REPORT.note(String.format(
                    java.util.Locale.ROOT,
                    "Operator at -Xmx128m: heap after GC %.1f MiB before the first input, %.1f MiB after the last.",
                    heapAtStart / 1048576.0,
                    operator.heapAfterGc() / 1048576.0));
        }
        Path report = TestCluster.projectDir().resolve("target/bad-input-battery.md");
        REPORT.write(report);
        System.out.println("bad-input battery: " + REPORT.summary() + "; every input in " + report);
        if (kubectl != null) {
            kubectl.run("delete", "validatingwebhookconfiguration", WEBHOOK, "--ignore-not-found");
            kubectl.run("delete", "clusterimagesizepolicy", POLICY, "--ignore-not-found");
            kubectl.run("delete", "imagesizepolicies", "--all", "-n", NS, "--wait=false");
            kubectl.run("delete", "namespace", NS, "--wait=false", "--ignore-not-found");
        }
        if (operator != null) {
            operator.close();
        }
    }

    private static String webhookConfiguration() {
        String caBundle =
                Base64.getEncoder().encodeToString(operator.caBundlePem().getBytes(StandardCharsets.UTF_8));
        return """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingWebhookConfiguration
                metadata: {name: %s}
                webhooks:
                - name: validate.imagesize.dev
                  admissionReviewVersions: [v1]
                  sideEffects: None
                  timeoutSeconds: 5
                  failurePolicy: Fail
                  clientConfig: {url: "%s", caBundle: "%s"}
                  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: %s}}
                  rules:
                  - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
                """.formatted(WEBHOOK, operator.webhookUrl(), caBundle, NS);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The runner: every input bounded in time and heap, with the process alive afterwards.

    private static void attempt(BadInput input) {
        long start = System.nanoTime();
        String outcome;
        Throwable failure = null;
        try {
            outcome = input.attempt().run();
        } catch (Throwable t) {
            failure = t;
            outcome = "FAILED: " + t;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        boolean alive = operator.isAlive();
        long heapAfter = alive ? operator.heapAfterGc() : Long.MAX_VALUE;
        long heapDelta = alive ? heapAfter - heapBefore : Long.MAX_VALUE;
        heapBefore = heapAfter;
        if (failure != null) {
            outcome = abbreviate(outcome, 300);
        }
        boolean ok = failure == null && alive && millis <= input.bound().toMillis() && heapDelta < HEAP_BOUND;
        REPORT.add(new BadInputReport.Entry(
                input.family(), input.name(), outcome, millis, input.bound().toMillis(), heapDelta, ok));
        assertThat(alive)
                .as("the operator is alive after %s:%n%s", input.name(), tail())
                .isTrue();
        if (failure instanceof AssertionError assertion) {
            throw assertion;
        }
        assertThat(failure).as("%s threw", input.name()).isNull();
        assertThat(millis)
                .as("%s: %s", input.name(), outcome)
                .isLessThanOrEqualTo(input.bound().toMillis());
        assertThat(heapDelta)
                .as("heap after GC grew by %d bytes after %s", heapDelta, input.name())
                .isLessThan(HEAP_BOUND);
    }

    private static String tail() {
        String log = operator.log();
        return log.substring(Math.max(0, log.length() - 4000));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Family 1: webhook transport

    static Stream<BadInput> transport() {
        String family = "webhook transport";
        List<BadInput> inputs = new ArrayList<>();
        inputs.add(new BadInput(
                family,
                "2,000 idle TLS connections; a real kubectl apply meanwhile",
                Duration.ofSeconds(120),
                BadInputBatteryIT::idleConnections));
        inputs.add(new BadInput(
                family,
                "2,000 connections sending a head (Content-Length 100) and no body",
                Duration.ofSeconds(120),
                BadInputBatteryIT::headsWithoutBodies));
        for (String partial :
                List.of("POST /validate HTTP/1.1", "POST /validate HTTP/1.1\r\nHost: x\r\n", "P", "\r\n\r\n\r\n")) {
            inputs.add(new BadInput(
                    family,
                    "partial request head " + JSON.valueToTree(partial),
                    Duration.ofSeconds(15),
                    () -> closedWithoutAnswer(partial, Duration.ofSeconds(14))));
        }
        inputs.add(new BadInput(
                family, "slowloris: one header byte per second", Duration.ofSeconds(16), BadInputBatteryIT::slowloris));
        inputs.add(new BadInput(
                family,
                "100 concurrent 8 MiB bodies with Content-Length at -Xmx128m",
                Duration.ofSeconds(90),
                () -> bigBodies(false)));
        inputs.add(new BadInput(
                family,
                "100 concurrent chunked 8 MiB bodies at -Xmx128m",
                Duration.ofSeconds(90),
                () -> bigBodies(true)));
        inputs.add(new BadInput(family, "9 MiB body with Content-Length", ANSWERED, () -> {
            long[] statusAndMillis = sendBig(new byte[9 * 1024 * 1024], false);
            assertThat(statusAndMillis[0]).isEqualTo(400);
            return "status 400 at once (over the 8 MiB limit), connection closed";
        }));
        inputs.add(new BadInput(
                family,
                "Content-Length shorter than the body",
                ANSWERED,
                () -> raw(
                        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
                                + review("short", "Pod", "CREATE", pod("nginx")),
                        400)));
        inputs.add(new BadInput(
                family,
                "Content-Length longer than the body",
                ANSWERED.plus(WebhookServer.LATE_BODY_LINGER).plusMillis(500),
                () -> lateBodyAnswered("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":1}")));
        for (String lie : List.of("-1", "abc", "99999999999999999999999", "10, 20")) {
            inputs.add(new BadInput(
                    family,
                    "Content-Length: " + lie,
                    ANSWERED,
                    () -> answeredOrClosed(
                            "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: " + lie + "\r\n\r\n{}")));
        }
        inputs.add(new BadInput(
                family,
                "two different Content-Length headers",
                ANSWERED,
                () -> answeredOrClosed(
                        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}")));
        inputs.add(new BadInput(
                family,
                "Content-Length and Transfer-Encoding together (smuggling)",
                ANSWERED,
                () -> answeredOrClosed("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")));
        inputs.add(
                new BadInput(
                        family,
                        "invalid chunk size",
                        ANSWERED,
                        () -> answeredOrClosed(
                                "POST /validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")));
        for (String method : List.of("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE")) {
            inputs.add(new BadInput(
                    family,
                    method + " /validate",
                    ANSWERED,
                    () -> raw(method + " /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405)));
        }
        for (String path : List.of("/", "/mutate", "/validate/", "/VALIDATE", "/q/metrics", "/validate/../q/health")) {
            inputs.add(new BadInput(
                    family,
                    "POST " + path,
                    ANSWERED,
                    () -> raw("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 404)));
        }
        inputs.add(new BadInput(
                family,
                "100 KB request line",
                ANSWERED,
                () -> answeredOrClosed("POST /validate?" + "a".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n")));
        inputs.add(new BadInput(
                family,
                "1 MiB header",
                ANSWERED,
                () -> answeredOrClosed(
                        "POST /validate HTTP/1.1\r\nHost: x\r\nX-Pad: " + "a".repeat(1 << 20) + "\r\n\r\n")));
        inputs.add(new BadInput(
                family,
                "10,000 small headers",
                ANSWERED,
                () -> answeredOrClosed("POST /validate HTTP/1.1\r\nHost: x\r\n"
                        + IntStream.range(0, 10_000)
                                .mapToObj(i -> "X-" + i + ": v\r\n")
                                .collect(Collectors.joining())
                        + "\r\n")));
        inputs.add(new BadInput(family, "HTTP/1.0 request", ANSWERED, () -> {
            byte[] body = review("h10", "Pod", "CREATE", pod("nginx")).getBytes(StandardCharsets.UTF_8);
            return raw(
                    "POST /validate HTTP/1.0\r\nContent-Length: " + body.length + "\r\n\r\n"
                            + new String(body, StandardCharsets.UTF_8),
                    200);
        }));
        inputs.add(new BadInput(
                family,
                "1,000 pipelined reviews on one connection",
                Duration.ofSeconds(60),
                BadInputBatteryIT::pipelined));
        inputs.add(new BadInput(family, "gzip-encoded body", ANSWERED, () -> {
            ByteArrayOutputStream zipped = new ByteArrayOutputStream();
            try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
                gzip.write(review("gz", "Pod", "CREATE", pod("nginx")).getBytes(StandardCharsets.UTF_8));
            }
            try (SSLSocket socket = client.open(ANSWERED)) {
                RawHttps.send(
                        socket,
                        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: "
                                + zipped.size() + "\r\n\r\n");
                socket.getOutputStream().write(zipped.toByteArray());
                RawHttps.Response response = RawHttps.read(socket.getInputStream());
                return status(response, 400) + " (not decompressed: not JSON)";
            }
        }));
        inputs.add(new BadInput(
                family,
                "HTTP/2 connection preface",
                ANSWERED,
                () -> answeredOrClosed("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")));
        inputs.add(new BadInput(family, "plain HTTP to the TLS port", ANSWERED, () -> {
            try (Socket plain = new Socket("127.0.0.1", operator.webhookPort())) {
                plain.setSoTimeout((int) ANSWERED.toMillis());
                plain.getOutputStream()
                        .write("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
                                .getBytes(StandardCharsets.US_ASCII));
                byte[] answer = plain.getInputStream().readNBytes(64);
                assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1 200");
                return "no HTTP answer (" + answer.length + " bytes of TLS alert), closed";
            }
        }));
        for (String old : List.of("-tls1", "-tls1_1")) {
            inputs.add(new BadInput(family, "TLS handshake " + old + " (openssl)", Duration.ofSeconds(10), () -> {
                Openssl.Handshake handshake = Openssl.handshake(operator.webhookPort(), old);
                assertThat(handshake.refusedByServer())
                        .as(handshake.result().output())
                        .isTrue();
                return "refused by the server";
            }));
        }
        inputs.add(new BadInput(
                family,
                "TLS 1.2 with a CBC cipher",
                ANSWERED,
                () -> tlsRefused(new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"})));
        inputs.add(new BadInput(
                family,
                "Expect: 100-continue",
                ANSWERED,
                () -> raw(
                        "POST /validate HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
                        100,
                        400)));
        return inputs.stream();
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("transport")
    void webhookTransport(BadInput input) {
        attempt(input);
    }

    private static String idleConnections() throws Exception {
        Kubectl.Result warmUp = applyProbe("warm-up");
        warmUp.assertSuccess();
        AtomicInteger refusedAtOpen = new AtomicInteger();
        List<SSLSocket> sockets = openMany(2_000, socket -> {}, refusedAtOpen);
        long start = System.nanoTime();
        Kubectl.Result apply = applyProbe("during-flood");
        long applyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        apply.assertSuccess();
        assertThat(applyMillis).as("kubectl apply answered during the flood").isLessThan(1_000);
        long closeStart = System.nanoTime();
        awaitClosedByServer(sockets, Duration.ofSeconds(30));
        return "kubectl apply answered in " + applyMillis + " ms; all 2,000 closed by the server ("
                + refusedAtOpen.get() + " at the handshake, the rest within "
                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - closeStart) + " s)";
    }

    private static String headsWithoutBodies() throws Exception {
        double shedBefore = shedAtTheConnectionCap();
        AtomicInteger refusedAtOpen = new AtomicInteger();
        List<SSLSocket> sockets = openMany(
                2_000,
                socket -> RawHttps.send(
                        socket, "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":"),
                refusedAtOpen);
        Map<String, Integer> answers = awaitClosedByServer(sockets, Duration.ofSeconds(30));
        assertThat(answers)
                .as("each connection the server took is answered 408 at the deadline before it is closed")
                .containsKey("HTTP/1.1 408 Request Timeout");
        assertThat(answers.keySet()).isSubsetOf("HTTP/1.1 408 Request Timeout", "(nothing)");
        // while 1,000 connections wait for their bodies, a new one is closed at once: those alone go unanswered
        double shedAtTheCap = shedAtTheConnectionCap() - shedBefore;
        assertThat((double) answers.getOrDefault("(nothing)", 0))
                .as("connections closed without an answer, against those the server shed at its connection cap")
                .isLessThanOrEqualTo(shedAtTheCap);
        // the slots are free again: a review is answered at once
        RawHttps.Response after = post(review("after-heads", "Pod", "CREATE", pod("nginx")));
        return "all closed by the server (" + refusedAtOpen.get() + " at the handshake, " + (long) shedAtTheCap
                + " shed at the connection cap, the rest answered " + answers + " at the deadline); "
                + status(after, 200) + " afterwards";
    }

    /** Connections the server closed at its cap: refused new ones, and idle ones it replaced. */
    private static double shedAtTheConnectionCap() {
        return operator.metric("imagesize_webhook_shed_total{reason=\"connection-limit\"}")
                + operator.metric("imagesize_webhook_shed_total{reason=\"idle-evicted\"}");
    }

    private static Kubectl.Result applyProbe(String name) {
        return kubectl.runWithInput("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: %s}
                spec:
                  containers:
                  - {name: app, image: "nginx:1.27"}
                """.formatted(name, NS), "apply", "--dry-run=server", "-f", "-");
    }

    /** Opens {@code count} TLS connections from 8 threads; a connection the server refuses at once is counted. */
    private static List<SSLSocket> openMany(
            int count, java.util.function.Consumer<SSLSocket> then, AtomicInteger refused) throws Exception {
        List<SSLSocket> sockets = Collections.synchronizedList(new ArrayList<>());
        ExecutorService openers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                done.add(openers.submit(() -> {
                    SSLSocket socket = null;
                    try {
                        socket = client.open(Duration.ofSeconds(30));
                        socket.setSoTimeout(1);
                        then.accept(socket);
                        sockets.add(socket);
                    } catch (IOException | java.io.UncheckedIOException e) {
                        refused.incrementAndGet(); // closed by the server before, during or right after the handshake
                        if (socket != null) {
                            socket.close();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            openers.shutdownNow();
        }
        return sockets;
    }

    /**
     * Waits until the server has closed every socket, reading whatever it sends meanwhile; returns how many sockets
     * got each first line (status line of an answer, or "(nothing)" for a close without one).
     */
    private static Map<String, Integer> awaitClosedByServer(List<SSLSocket> sockets, Duration within) {
        Map<SSLSocket, ByteArrayOutputStream> received = new java.util.IdentityHashMap<>();
        sockets.forEach(socket -> received.put(socket, new ByteArrayOutputStream()));
        List<SSLSocket> open = new ArrayList<>(sockets);
        try {
            Awaitility.await()
                    .atMost(within)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        open.removeIf(socket -> RawHttps.closedByPeer(socket, received.get(socket)));
                        return open.isEmpty();
                    });
        } finally {
            for (SSLSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closed already
                }
            }
        }
        Map<String, Integer> firstLines = new java.util.TreeMap<>();
        received.values().forEach(bytes -> {
            String text = bytes.toString(StandardCharsets.US_ASCII);
            String first =
                    text.isEmpty() ? "(nothing)" : text.lines().findFirst().orElse(text);
            firstLines.merge(first, 1, Integer::sum);
        });
        return firstLines;
    }

    /** A body that stops short of its Content-Length: answered 408 at the deadline, then the connection is closed. */
    private static String lateBodyAnswered(String sent) throws IOException {
        try (SSLSocket socket = client.open(ANSWERED)) {
            RawHttps.send(socket, sent);
            long start = System.nanoTime();
            RawHttps.Response response = RawHttps.read(socket.getInputStream());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            String status = status(response, 408);
            assertThat(response.header("connection")).isEqualTo("close");
            assertThat(millis).as("answered at the deadline").isBetween(DEADLINE.toMillis() - 100, ANSWERED.toMillis());
            assertThat(RawHttps.closedByPeer(socket))
                    .as("closed after the answer")
                    .isTrue();
            return status + " after " + millis + " ms, then closed by the server";
        }
    }

    private static String closedWithoutAnswer(String sent, Duration within) throws IOException {
        try (SSLSocket socket = client.open(Duration.ofSeconds(10))) {
            socket.setSoTimeout(1);
            RawHttps.send(socket, sent);
            Map<String, Integer> answers = awaitClosedByServer(List.of(socket), within);
            assertThat(answers)
                    .as("no answer to a request whose head never ended")
                    .containsOnlyKeys("(nothing)");
            return "closed by the server";
        }
    }

    private static String slowloris() throws Exception {
        try (SSLSocket socket = client.open(Duration.ofSeconds(10))) {
            socket.setSoTimeout(1);
            String head = "POST /validate HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100);
            for (int i = 0; i < head.length(); i++) {
                try {
                    RawHttps.send(socket, head.substring(i, i + 1));
                } catch (java.io.UncheckedIOException closed) {
                    return "closed by the server after " + i + " bytes";
                }
                if (RawHttps.closedByPeer(socket)) {
                    return "closed by the server after " + i + " bytes";
                }
                Thread.sleep(1_000); // the input itself: one byte a second
            }
            throw new AssertionError("the server kept a slow head open for " + head.length() + " s");
        }
    }

    private static String bigBodies(boolean chunked) throws Exception {
        int size = 8 * 1024 * 1024 - 4096;
        ExecutorService senders = Executors.newFixedThreadPool(100);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                byte[] body = paddedReview("big-" + i, size);
                results.add(senders.submit(() -> sendBig(body, chunked)));
            }
            Map<Long, Long> byStatus = new java.util.TreeMap<>();
            long slowest = 0;
            for (Future<long[]> result : results) {
                long[] statusAndMillis = result.get(60, TimeUnit.SECONDS);
                byStatus.merge(statusAndMillis[0], 1L, Long::sum);
                slowest = Math.max(slowest, statusAndMillis[1]);
            }
            assertThat(slowest).as("every request answered within 5 s").isLessThanOrEqualTo(5_000);
            // 200 reviewed, 503 over the body budget at once, 408 a body the server could not read by the deadline
            assertThat(byStatus.keySet()).isSubsetOf(200L, 408L, 503L);
            return "all 100 answered (status: count " + byStatus + "), slowest " + slowest + " ms";
        } finally {
            senders.shutdownNow();
        }
    }

    /**
     * Sends one large review, reading the answer while it writes; {status, ms to the answer}. The time is taken when
     * the answer is read, not when the writer stops: a writer blocked on a connection the server stopped reading (a 503
     * over the body budget) only notices at the close, a second after the answer.
     */
    private static long[] sendBig(byte[] body, boolean chunked) throws Exception {
        try (SSLSocket socket = client.open(Duration.ofSeconds(30))) {
            long start = System.nanoTime();
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try {
                Future<long[]> answer = reader.submit(() -> {
                    RawHttps.Response response = RawHttps.read(socket.getInputStream());
                    return new long[] {response.status(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)};
                });
                try {
                    if (chunked) {
                        RawHttps.send(
                                socket, "POST /validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
                        for (int at = 0; at < body.length; at += 65_536) {
                            int length = Math.min(65_536, body.length - at);
                            ByteArrayOutputStream chunk = new ByteArrayOutputStream(length + 16);
                            chunk.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                            chunk.write(body, at, length);
                            chunk.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                            RawHttps.write(socket, chunk.toByteArray());
                            if (answer.isDone()) {
                                break; // answered already: the rest would be read and dropped
                            }
                        }
                        if (!answer.isDone()) {
                            RawHttps.send(socket, "0\r\n\r\n");
                        }
                    } else {
                        RawHttps.write(socket, RawHttps.request("/validate", body));
                    }
                } catch (IOException | java.io.UncheckedIOException writeStopped) {
                    // the answer came first and the server stopped reading: the answer is what counts
                }
                return answer.get(30, TimeUnit.SECONDS);
            } finally {
                reader.shutdownNow();
            }
        }
    }

    private static byte[] paddedReview(String uid, int size) {
        String head =
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"" + uid
                        + "\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"namespace\":\"" + NS
                        + "\",\"operation\":\"CREATE\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{"
                        + "\"name\":\"big\",\"namespace\":\"" + NS + "\",\"annotations\":{\"pad\":\"";
        String tail = "\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.27\"}]}}}}";
        return (head + "A".repeat(size - head.length() - tail.length()) + tail).getBytes(StandardCharsets.US_ASCII);
    }

    private static String pipelined() throws IOException {
        byte[] one = RawHttps.request(
                "/validate",
                review("pipe", "ConfigMap", "CREATE", "{\"metadata\":{\"name\":\"c\"}}")
                        .getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < 1_000; i++) {
            all.write(one);
        }
        try (SSLSocket socket = client.open(Duration.ofSeconds(30))) {
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try {
                writer.submit(() -> {
                    RawHttps.write(socket, all.toByteArray());
                    return null;
                });
                InputStream in = socket.getInputStream();
                for (int i = 0; i < 1_000; i++) {
                    RawHttps.Response response = RawHttps.read(in);
                    assertThat(response.status()).as("answer %d", i).isEqualTo(200);
                }
            } finally {
                writer.shutdownNow();
            }
        }
        return "1,000 answers, in order, all 200";
    }

    /** A handshake the JDK client offers and the server refuses (a fatal alert from the server). */
    private static String tlsRefused(String[] protocols, String[] ciphers) {
        try (SSLSocket socket = client.open(ANSWERED, protocols, ciphers)) {
            throw new AssertionError(
                    "handshake succeeded with " + socket.getSession().getProtocol() + " "
                            + socket.getSession().getCipherSuite());
        } catch (IOException e) {
            assertThat(e).hasMessageContaining("Received fatal alert");
            return "refused by the server (" + e.getMessage() + ")";
        }
    }

    /** Sends raw bytes on a new connection and expects one of the statuses. */
    private static String raw(String request, int... statuses) throws IOException {
        try (SSLSocket socket = client.open(ANSWERED)) {
            RawHttps.send(socket, request);
            return status(RawHttps.read(socket.getInputStream()), statuses);
        }
    }

    /**
     * A malformed request: answered with a 4xx (or 501 for a protocol the server does not speak), or the connection
     * closed, within the bound; never a 2xx and never an internal error.
     */
    private static String answeredOrClosed(String request) throws IOException {
        try (SSLSocket socket = client.open(ANSWERED)) {
            try {
                RawHttps.send(socket, request);
                RawHttps.Response response = RawHttps.read(socket.getInputStream());
                assertThat(response.status())
                        .as(response.body())
                        .matches(status -> status >= 400 && status < 500 || status == 501, "4xx or 501");
                return "status " + response.status();
            } catch (IOException | java.io.UncheckedIOException closed) {
                return "connection closed by the server";
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Family 2: AdmissionReview shape

    static Stream<BadInput> shape() {
        String family = "AdmissionReview shape";
        List<BadInput> inputs = new ArrayList<>();
        Map<String, String> malformed = new java.util.LinkedHashMap<>();
        malformed.put("empty body", "");
        malformed.put("null", "null");
        malformed.put("an array", "[]");
        malformed.put("cut-off JSON", "{\"apiVersion\":");
        malformed.put("not JSON", "apiVersion: admission.k8s.io/v1");
        malformed.put(
                "wrong apiVersion",
                review("u", "Pod", "CREATE", pod("nginx")).replace("admission.k8s.io/v1", "admission.k8s.io/v1beta1"));
        malformed.put(
                "wrong kind",
                review("u", "Pod", "CREATE", pod("nginx"))
                        .replace("\"kind\":\"AdmissionReview\"", "\"kind\":\"AdmissionResponse\""));
        malformed.put("no request", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}");
        malformed.put("missing uid", review("u", "Pod", "CREATE", pod("nginx")).replace("\"uid\":\"u\",", ""));
        malformed.put("request a string", envelope("\"request\""));
        malformed.put("request an array", envelope("[1,2]"));
        malformed.put("object a string", review("u", "Pod", "CREATE", "\"a pod\""));
        malformed.put("object an array", review("u", "Pod", "CREATE", "[]"));
        malformed.put("object missing", review("u", "Pod", "CREATE", null));
        malformed.put(
                "UPDATE with oldObject a string",
                review("u", "Pod", "UPDATE", pod("nginx")).replace("\"object\":", "\"oldObject\":\"old\",\"object\":"));
        malformed.put(
                "containers a number",
                review("u", "Pod", "CREATE", "{\"metadata\":{\"name\":\"p\"}," + "\"spec\":{\"containers\":5}}"));
        malformed.put("nesting 1,001 deep", review("u", "Pod", "CREATE", nested(1_001)));
        malformed.put("nesting 100,000 deep", review("u", "Pod", "CREATE", nested(100_000)));
        malformed.put("random bytes", new String(randomBytes(4096), StandardCharsets.ISO_8859_1));
        malformed.forEach((name, body) ->
                inputs.add(new BadInput(family, name, ANSWERED, () -> status(post(body), 400) + " malformed")));

        Map<String, String> answered = new java.util.LinkedHashMap<>();
        answered.put("nesting 1,000 deep", review("u", "Pod", "CREATE", nested(1_000)));
        answered.put("UPDATE without oldObject", review("u", "Pod", "UPDATE", pod("nginx")));
        answered.put(
                "uid a number (read as text)",
                review("u", "Pod", "CREATE", pod("nginx")).replace("\"uid\":\"u\"", "\"uid\":7"));
        for (String subResource : List.of("status", "scale", "ephemeralcontainers", "exec", "binding")) {
            answered.put(
                    "subresource " + subResource,
                    review("u", "Pod", "UPDATE", pod("reg.invalid/a:1"))
                            .replace("\"operation\"", "\"subResource\":\"" + subResource + "\",\"operation\""));
        }
        answered.put(
                "dryRun true",
                review("u", "Pod", "CREATE", pod("nginx")).replace("\"operation\"", "\"dryRun\":true,\"operation\""));
        answered.put("operation DELETE", review("u", "Pod", "DELETE", pod("nginx")));
        answered.put("operation CONNECT", review("u", "Pod", "CONNECT", pod("nginx")));
        answered.put(
                "no namespace",
                review("u", "Pod", "CREATE", pod("nginx")).replace("\"namespace\":\"" + NS + "\",", ""));
        answered.put("a 60 KB uid", review("u".repeat(60_000), "Pod", "CREATE", pod("nginx")));
        answered.put(
                "duplicate keys",
                review("u", "Pod", "CREATE", pod("nginx"))
                        .replace("\"operation\":\"CREATE\"", "\"operation\":\"DELETE\",\"operation\":\"CREATE\""));
        answered.put(
                "unicode and right-to-left names",
                review("u", "Pod", "CREATE", pod("nginx"))
                        .replace("\"name\":\"app\"", "\"name\":\"\\u202eppa\\u0000\""));
        answered.put(
                "containers null",
                review("u", "Pod", "CREATE", "{\"metadata\":{\"name\":\"p\"}," + "\"spec\":{\"containers\":null}}"));
        answered.put("kind unknown to the webhook", review("u", "ConfigMap", "CREATE", "{\"data\":{\"a\":\"b\"}}"));
        for (String kind : List.of(
                "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob")) {
            answered.put(kind + " without a spec", review("u", kind, "CREATE", "{\"metadata\":{\"name\":\"w\"}}"));
        }
        answered.put(
                "10,000 containers of one image",
                review(
                        "u",
                        "Pod",
                        "CREATE",
                        pod(Collections.nCopies(10_000, "reg.invalid/same:1").toArray(String[]::new))));
        answered.put(
                "a Pod with 1,000 init containers",
                review(
                        "u",
                        "Pod",
                        "CREATE",
                        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\","
                                + "\"image\":\"nginx\"}],\"initContainers\":["
                                + IntStream.range(0, 1_000)
                                        .mapToObj(i ->
                                                "{\"name\":\"i" + i + "\",\"image\":\"reg.invalid/init:" + i + "\"}")
                                        .collect(Collectors.joining(","))
                                + "]}}"));
        answered.forEach((name, body) -> inputs.add(new BadInput(family, name, ANSWERED, () -> {
            RawHttps.Response response = post(body);
            String outcome = status(response, 200);
            assertThat(response.body()).contains("\"response\"");
            JsonNode answer = JSON.readTree(response.body()).path("response");
            assertThat(answer.path("warnings").size())
                    .as("warnings in one answer")
                    .isLessThanOrEqualTo(AdmissionHandler.MAX_LINES + 1);
            assertThat(answer.path("status").path("message").asText().lines())
                    .as("lines of the denial")
                    .hasSizeLessThanOrEqualTo(AdmissionHandler.MAX_LINES + 1);
            return outcome + " " + verdict(response);
        })));

        // The handler checks at most imagesize.assessment.max-containers containers, starts at most
        // imagesize.registry.max-images-per-request lookups and reads at most 16 pull secrets; what it still waits
        // for (names under .invalid that the resolver of the machine may be slow to refuse) ends at the deadline, and
        // the webhook server's own watchdog answers 503 if the handler has not answered by then.
        inputs.add(new BadInput(
                family,
                "5,000 containers of distinct images",
                ANSWERED,
                () -> answeredByTheDeadline(review(
                        "u",
                        "Pod",
                        "CREATE",
                        pod(IntStream.range(0, 5_000)
                                .mapToObj(i -> "r" + i + ".invalid/a:b")
                                .toArray(String[]::new))))));
        inputs.add(new BadInput(
                family,
                "5,000 imagePullSecrets",
                ANSWERED,
                () -> answeredByTheDeadline(review(
                        "u",
                        "Pod",
                        "CREATE",
                        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":"
                                + "\"reg.invalid/secret:1\"}],\"imagePullSecrets\":["
                                + IntStream.range(0, 5_000)
                                        .mapToObj(i -> "{\"name\":\"s" + i + "\"}")
                                        .collect(Collectors.joining(","))
                                + "]}}"))));
        inputs.add(new BadInput(
                family,
                "20,000 distinct kind values",
                Duration.ofSeconds(180),
                BadInputBatteryIT::twentyThousandKinds));
        return inputs.stream();
    }

    @Order(2)
    @ParameterizedTest(name = "{0}")
    @MethodSource("shape")
    void admissionReviewShape(BadInput input) {
        attempt(input);
    }

    private static String answeredByTheDeadline(String body) throws IOException {
        RawHttps.Response response = post(body);
        if (response.status() == 503) {
            assertThat(response.body()).isEqualTo(WebhookServer.NOT_REVIEWED_IN_TIME);
            return "503 from the webhook server at the deadline (the handler was still working)";
        }
        return status(response, 200) + " " + verdict(response);
    }

    private static String twentyThousandKinds() throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(senders.submit(() -> {
                    try (SSLSocket socket = client.open(Duration.ofSeconds(30))) {
                        for (int i = thread; i < 20_000; i += 4) {
                            RawHttps.write(
                                    socket,
                                    RawHttps.request(
                                            "/validate",
                                            review("k" + i, "Kind" + i, "CREATE", "{}")
                                                    .getBytes(StandardCharsets.UTF_8)));
                            RawHttps.read(socket.getInputStream());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(170, TimeUnit.SECONDS);
            }
        } finally {
            senders.shutdownNow();
        }
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(operator.url("/q/metrics")))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Set<String> kinds = new java.util.TreeSet<>();
        Matcher kind = Pattern.compile("imagesize_admission_reviews_seconds_count\\{[^}]*kind=\"([^\"]*)\"")
                .matcher(metrics);
        while (kind.find()) {
            kinds.add(kind.group(1));
        }
        assertThat(kinds).hasSizeLessThanOrEqualTo(9).contains("other");
        assertThat(metrics.length()).as("/q/metrics size").isLessThan(200_000);
        return kinds.size() + " kind label values " + kinds + "; /q/metrics " + metrics.length() / 1024 + " KiB";
    }

    // ---------------------------------------------------------------------------------------------------------
    // Family 3: image strings, under a Warn policy whose excludes and overrides are pathological globs

    static Stream<BadInput> imageStrings() {
        String family = "image strings";
        Map<String, String> images = new java.util.LinkedHashMap<>();
        images.put("1 MiB image string", "a".repeat(1 << 20));
        images.put("90 kB ECR-like image", ".dkr.ecr.".repeat(10_000));
        images.put("400 a's (against *a*a*a*b)", "a".repeat(400));
        images.put("526 a's (against 8 stars)", "a".repeat(526));
        images.put("256-character name", "ghcr.io/" + "a".repeat(248));
        images.put("255-character name", "ghcr.io/" + "a".repeat(247));
        images.put("uppercase repository", "ghcr.io/Acme/App:1");
        images.put("IPv6 host", "[::1]:5/app:1");
        images.put("@sha512 digest", "reg.invalid/app@sha512:" + "c".repeat(128));
        images.put("tag and digest", "reg.invalid/app:1@sha256:" + "c".repeat(64));
        images.put("localhost", "localhost/app:1");
        images.put("terminal escape sequence", "nginx\u001b]0;pwned\u0007\u001b[2J:1");
        images.put("right-to-left override", "ghcr.io/acme/\u202eppa:1");
        images.put("NUL byte", "reg.invalid/a\u0000b:1");
        images.put("link-local metadata address", "169.254.169.254/latest:1");
        images.put("the API server as a registry", "127.0.0.1:1/a:b");
        images.put("spaces", "reg.invalid/a b:1");
        images.put("only a digest algorithm", "reg.invalid/a@sha256:");
        images.put("a 1,000-component path", "reg.invalid/" + "a/".repeat(1_000) + "b:1");
        List<BadInput> inputs = new ArrayList<>();
        images.forEach((name, image) -> inputs.add(new BadInput(family, name, ANSWERED, () -> {
            RawHttps.Response response = post(review("img", "Pod", "CREATE", pod(image)));
            String outcome = status(response, 200);
            assertThat(response.body().length()).as("answer size").isLessThan(4_096);
            JsonNode review = JSON.readTree(response.body());
            String warnings = review.at("/response/warnings").toString();
            JsonNode text = review.at("/response/warnings/0");
            if (!text.isMissingNode()) {
                assertThat(text.asText().chars().allMatch(c -> c >= 0x20 && c < 0x7f))
                        .as("only printable ASCII reaches the user: %s", text.asText())
                        .isTrue();
            }
            return outcome + " " + verdict(response) + " " + abbreviate(warnings, 160);
        })));
        inputs.add(new BadInput(
                family,
                "1 MiB image through the API server (a server-side dry run of the Pod)",
                ANSWERED.plusSeconds(2),
                () -> {
                    // --raw posts the Pod as it is: kubectl adds nothing (apply would add a 1 MiB annotation)
                    Kubectl.Result result = kubectl.runWithInput(
                            pod("a".repeat(1 << 20)),
                            "create",
                            "--raw",
                            "/api/v1/namespaces/" + NS + "/pods?dryRun=All",
                            "-f",
                            "-");
                    result.assertSuccess();
                    assertThat(result.stderr())
                            .contains("Warning:", "...(1048576 characters)", "longer than any valid reference")
                            .hasSizeLessThan(4_096);
                    return "admitted with a " + result.stderr().length() + "-character warning";
                }));
        return inputs.stream();
    }

    @Order(3)
    @ParameterizedTest(name = "{0}")
    @MethodSource("imageStrings")
    void imageStrings(BadInput input) {
        attempt(input);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Family 4: policies, refused by the API server with a message naming the field

    static Stream<BadInput> policies() {
        String family = "policies";
        Duration bound = Duration.ofSeconds(10);
        List<BadInput> inputs = new ArrayList<>();
        Map<String, String[]> refused = new java.util.LinkedHashMap<>();
        refused.put("maxLayers 2^31", new String[] {"{maxLayers: 2147483648}", "spec.maxLayers"});
        refused.put("maxLayers 2^63", new String[] {"{maxLayers: 9223372036854775808}", "spec.maxLayers"});
        refused.put("maxLayers 3,000,000,000", new String[] {"{maxLayers: 3000000000}", "spec.maxLayers"});
        refused.put("maxImageSize 100m", new String[] {"{maxImageSize: 100m}", "spec.maxImageSize"});
        refused.put("maxImageSize 8Ei", new String[] {"{maxImageSize: 8Ei}", "spec.maxImageSize"});
        refused.put("maxLayerSize 1e19", new String[] {"{maxLayerSize: '1e19'}", "spec.maxLayerSize"});
        refused.put("maxImageSize 9.3E", new String[] {"{maxImageSize: 9.3E}", "spec.maxImageSize"});
        refused.put("maxImageSize 1e4294967296", new String[] {"{maxImageSize: '1e4294967296'}", "spec.maxImageSize"});
        refused.put("maxGrowth 1e4294967296", new String[] {"{maxGrowth: '1e4294967296'}", "spec.maxGrowth"});
        refused.put("maxGrowth 20%, 8Ei", new String[] {"{maxGrowth: '20%, 8Ei'}", "spec.maxGrowth"});
        refused.put(
                "maxGrowth 65 characters", new String[] {"{maxGrowth: '" + "1".repeat(63) + "Mi'}", "spec.maxGrowth"});
        refused.put(
                "maxGrowth in an override, 1001%",
                new String[] {
                    "{maxLayers: 1, overrides: [{images: ['ghcr.io/*'], maxGrowth: 1001%}]}",
                    "spec.overrides[0].maxGrowth"
                });
        refused.put("512-character glob with 256 stars", new String[] {
            "{maxLayers: 1, exclude: {images: ['" + "*a".repeat(255) + "*']}}", "spec.exclude.images"
        });
        refused.put("*a*a*a*a*a*a*a*a*b (9 stars)", new String[] {
            "{maxLayers: 1, overrides: [{images: ['*a*a*a*a*a*a*a*a*b'], maxLayers: 2}]}", "spec.overrides[0].images"
        });
        refused.put("label selector with 257 values", new String[] {
            "{maxLayers: 1, selector: {matchExpressions: [{key: k, operator: In, values: ["
                    + IntStream.range(0, 257).mapToObj(i -> "v" + i).collect(Collectors.joining(",")) + "]}]}}",
            "spec.selector.matchExpressions[0].values"
        });
        refused.put("33 overrides", new String[] {
            "{maxLayers: 1, overrides: ["
                    + IntStream.range(0, 33)
                            .mapToObj(i -> "{images: ['ghcr.io/" + i + "/*'], maxLayers: 2}")
                            .collect(Collectors.joining(","))
                    + "]}",
            "spec.overrides"
        });
        refused.put("65 excludes", new String[] {
            "{maxLayers: 1, exclude: {images: ["
                    + IntStream.range(0, 65)
                            .mapToObj(i -> "'ghcr.io/" + i + "/*'")
                            .collect(Collectors.joining(","))
                    + "]}}",
            "spec.exclude.images"
        });
        refused.forEach((name, specAndField) -> inputs.add(new BadInput(family, name, bound, () -> {
            Kubectl.Result result = applyPolicy("refused", specAndField[0], true);
            assertThat(result.exitCode()).as(result.output()).isNotZero();
            assertThat(result.output()).contains("is invalid", specAndField[1]);
            return "refused, naming " + specAndField[1];
        })));
        Map<String, String> accepted = new java.util.LinkedHashMap<>();
        accepted.put("maxImageSize 0.1 (one byte)", "{maxImageSize: '0.1'}");
        accepted.put("host-less glob nginx* (read as Docker Hub)", "{maxLayers: 1, exclude: {images: ['nginx*']}}");
        accepted.put(
                "label selector with 256 values",
                "{maxLayers: 1, selector: {matchExpressions: [{key: k, operator: In, values: ["
                        + IntStream.range(0, 256).mapToObj(i -> "v" + i).collect(Collectors.joining(",")) + "]}]}}");
        accepted.forEach((name, spec) -> inputs.add(new BadInput(family, name, bound, () -> {
            applyPolicy("accepted", spec, true).assertSuccess();
            return "accepted";
        })));
        inputs.add(new BadInput(family, "200 policies in one namespace", Duration.ofSeconds(60), () -> {
            String list = IntStream.range(0, 200)
                    .mapToObj(i -> "apiVersion: imagesize.dev/v1alpha1\nkind: ImageSizePolicy\nmetadata: {name: p" + i
                            + ", namespace: " + NS + "}\nspec: {maxImageSize: " + (i + 1) + "Mi, action: Audit}\n")
                    .collect(Collectors.joining("---\n"));
            kubectl.runWithInput(list, "apply", "-f", "-").assertSuccess();
            RawHttps.Response response = post(review("many", "Pod", "CREATE", pod("reg.invalid/many:1")));
            return status(response, 200) + " with 200 policies";
        }));
        inputs.add(new BadInput(family, "50 spec updates in a row", Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 50; i++) {
                applyPolicy("churn", "{maxImageSize: " + (i + 1) + "Mi, action: Audit}", false)
                        .assertSuccess();
            }
            RawHttps.Response response = post(review("churn", "Pod", "CREATE", pod("reg.invalid/churn:1")));
            return status(response, 200) + " after 50 updates";
        }));
        return inputs.stream();
    }

    @Order(4)
    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void policies(BadInput input) {
        attempt(input);
    }

    private static Kubectl.Result applyPolicy(String name, String spec, boolean dryRun) {
        String policy = "apiVersion: imagesize.dev/v1alpha1\nkind: ImageSizePolicy\nmetadata:\n  name: " + name
                + "\n  namespace: " + NS + "\nspec: " + spec + "\n";
        return dryRun
                ? kubectl.runWithInput(policy, "apply", "--dry-run=server", "-f", "-")
                : kubectl.runWithInput(policy, "apply", "-f", "-");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Building reviews

    private static RawHttps.Response post(String body) throws IOException {
        return client.post("/validate", body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
    }

    static String review(String uid, String kind, String operation, String object) {
        return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"" + uid
                + "\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"" + kind + "\"},\"namespace\":\"" + NS
                + "\",\"operation\":\"" + operation + "\"" + (object == null ? "" : ",\"object\":" + object) + "}}";
    }

    private static String envelope(String request) {
        return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":" + request + "}";
    }

    static String pod(String... images) {
        StringBuilder containers = new StringBuilder();
        for (int i = 0; i < images.length; i++) {
            containers
                    .append(i == 0 ? "" : ",")
                    .append("{\"name\":\"")
                    .append(i == 0 ? "app" : "c" + i)
                    .append("\",\"image\":")
                    .append(JSON.valueToTree(images[i]).toString())
                    .append('}');
        }
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"" + NS
                + "\"},\"spec\":{\"containers\":[" + containers + "]}}";
    }

    /** A Pod whose review nests {@code depth} levels deep in all (the review, its request and the Pod are 3). */
    private static String nested(int depth) {
        int arrays = depth - 3;
        return "{\"metadata\":{\"name\":\"p\",\"annotations\":{\"x\":\"y\"}},\"spec\":{\"containers\":[]},\"extra\":"
                + "[".repeat(arrays) + "]".repeat(arrays) + "}";
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new java.util.Random(11).nextBytes(bytes);
        return bytes;
    }

    private static String status(RawHttps.Response response, int... expected) {
        assertThat(response.status())
                .as("status, body %s", abbreviate(response.body(), 300))
                .isIn(Arrays.stream(expected).boxed().toList());
        assertThat(response.body())
                .as("no stack trace reaches a caller")
                .doesNotContainPattern("at [\\w.$/]+\\([\\w$]+\\.java:\\d+\\)")
                .doesNotContain("Caused by:");
        return "status " + response.status();
    }

    private static String verdict(RawHttps.Response response) {
        if (response.body().contains("\"allowed\":false")) {
            return "denied";
        }
        return response.body().contains("\"warnings\"") ? "allowed with a warning" : "allowed";
    }

    private static String abbreviate(String text, int length) {
        return text.length() <= length ? text : text.substring(0, length) + "...";
    }
}
