package dev.flashsale.edge;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.flashsale.support.Api;
import dev.flashsale.support.EdgeProxy;
import dev.flashsale.support.IntegrationTest;
import tools.jackson.databind.json.JsonMapper;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The production edge: HAProxy with ops/haproxy/haproxy.cfg (the operators' file, set through its
 * environment variables) in front of the application, which trusts the proxy on 127.0.0.1 only.
 * Attackers come from 127.0.0.2, the ordinary client from 127.0.0.1, so the per-address
 * connection cap of the edge tells them apart. Without {@code haproxy} (Debian's package) the
 * tests that need it are skipped, and reported as skipped, except where
 * {@code FLASHSALE_EDGE_TESTS=required} (as in .ci/run): there they fail.
 */
@TestPropertySource(properties = "server.tomcat.remoteip.internal-proxies=127\\.0\\.0\\.1")
// a context of its own (for the trusted proxy): closed after the class, with its connection pool
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class EdgeProxyTest extends IntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ATTACKER = "127.0.0.2";
    /** The config's timeout http-request and per-address cap (FLASHSALE_EDGE_CONN_PER_ADDRESS). */
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(5);
    private static final int CONNECTIONS_PER_ADDRESS = 200;

    private EdgeProxy edge;
    private int edgePort;

    /**
     * Starts HAProxy in the foreground with the operators' file, its frontend on a free loopback
     * port and its one backend server this test's application, and waits until a request passes.
     * Without haproxy, the calling test is skipped (or fails where edge tests are required).
     */
    private Api startEdge(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("FLASHSALE_EDGE_APP1", "127.0.0.1:" + port);
        edge = EdgeProxy.start(env);
        edgePort = edge.port();
        return new Api(edgePort);
    }

    @AfterEach
    void stopEdge() {
        if (edge != null) {
            edge.close();
            edge = null;
        }
    }

    /** One slow-header connection's life, as the attacker saw it. */
    private record Slow(String outcome, long connectedAt, long endedAt, int headersSent) {
        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(endedAt - connectedAt);
        }
    }

    private record Timed(String what, int status, long millis, int slowOpen) {
    }

    @Test
    void twoThousandSlowHeaderConnectionsDoNotStopANormalClientAndAreClosedAfterTheHeaderTimeout(TestReporter reporter)
            throws Exception {
        Api edgeApi = startEdge(Map.of());
        UUID product = liveProduct(10, 1);
        int flood = 2000;
        AtomicInteger slowOpen = new AtomicInteger();
        AtomicInteger attempted = new AtomicInteger();
        List<Slow> slow = new CopyOnWriteArrayList<>();
        long floodStart = System.nanoTime();

        List<Timed> normal = new ArrayList<>();
        try (ExecutorService attackers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < flood; i++) {
                attackers.submit(() -> slow.add(slowHeaders(product, slowOpen, attempted)));
            }
            // the flood is under way (every connection attempted; those the edge holds trickle
            // headers until 5 s after they connected): until 4 s into the flood, the ordinary
            // client reads the sale and buys through the edge
            Duration attemptsWithin = Duration.ofSeconds(3).minusNanos(System.nanoTime() - floodStart);
            if (attemptsWithin.isPositive()) {
                try {
                    await().atMost(attemptsWithin).pollInterval(Duration.ofMillis(20)).until(() -> attempted.get() >= flood);
                } catch (ConditionTimeoutException stillConnecting) {
                    // the ordinary client starts anyway, 3 s into the flood
                }
            }
            long clientUntil = floodStart + Duration.ofSeconds(4).toNanos();
            for (int i = 0; System.nanoTime() < clientUntil; i++) {
                normal.add(timed("status", slowOpen, () -> edgeApi.get("/api/v1/sale/status/" + product)));
                if (i == 2) {
                    normal.add(timed("purchase", slowOpen, () -> edgeApi.post("/api/v1/sale/purchase",
                            "{\"productId\":\"" + product + "\"}", Api.user("edge-buyer-" + product))));
                }
                Thread.sleep(150);
            }
            attackers.shutdown();
            assertThat(attackers.awaitTermination(30, TimeUnit.SECONDS)).as("the flood ends").isTrue();
        }

        Map<String, List<Slow>> byOutcome = slow.stream().collect(Collectors.groupingBy(Slow::outcome));
        String summary = summary(floodStart, byOutcome, normal);
        reporter.publishEntry("edge flood", summary);

        // the ordinary client was served quickly throughout, while the slow connections were held
        assertThat(normal).as(summary).allSatisfy(t -> {
            assertThat(t.status()).as(t.toString()).isLessThan(500);
            assertThat(t.millis()).as(t.toString()).isLessThan(1000);
        });
        assertThat(normal).filteredOn(t -> t.what().equals("status")).as(summary).hasSizeGreaterThanOrEqualTo(5)
                .allSatisfy(t -> assertThat(t.status()).isEqualTo(200));
        assertThat(normal).filteredOn(t -> t.what().equals("purchase")).singleElement()
                .satisfies(t -> assertThat(t.status()).as(summary).isEqualTo(201));
        assertThat(normal).as("slow connections held while the client was served: " + summary)
                .allSatisfy(t -> assertThat(t.slowOpen()).isGreaterThan(CONNECTIONS_PER_ADDRESS / 2));

        // every slow connection was closed by the edge; none is left open, none reached a response
        assertThat(slow).as(summary).hasSize(flood);
        assertThat(byOutcome.keySet()).as(summary).containsAnyOf("408").doesNotContain("open", "other response");
        // the ones the edge held (up to the per-address cap) got a 408 once the whole-header
        // timeout expired, although they kept sending a header line every 2 s
        List<Slow> timedOut = byOutcome.get("408");
        assertThat(timedOut).as(summary).hasSizeLessThanOrEqualTo(CONNECTIONS_PER_ADDRESS)
                .allSatisfy(s -> assertThat(s.millis()).as(summary)
                        .isBetween(HEADER_TIMEOUT.toMillis() - 200, HEADER_TIMEOUT.toMillis() + 3000))
                .allSatisfy(s -> assertThat(s.headersSent()).isPositive())
                .anySatisfy(s -> assertThat(s.headersSent()).isGreaterThanOrEqualTo(2));
        // the rest were over the per-address cap: reset at once (while connecting or at their
        // first read or write), without a response and without reaching the application
        assertThat(slow).filteredOn(s -> !s.outcome().equals("408")).as(summary)
                .allSatisfy(s -> assertThat(s.outcome()).isIn("closed", "reset"))
                .allSatisfy(s -> assertThat(s.millis()).as(summary).isLessThan(HEADER_TIMEOUT.toMillis()));
        // and the edge is still serving
        assertThat(edgeApi.get("/api/v1/sale/status/" + product).status()).isEqualTo(200);
    }

    /**
     * One attacker connection from 127.0.0.2: a request line, then a header line every 2 s, never
     * the blank line that ends the headers. Ends when the edge closes it, or after 15 s at most.
     */
    private Slow slowHeaders(UUID product, AtomicInteger slowOpen, AtomicInteger attempted) {
        long connectedAt = System.nanoTime();
        int headers = 0;
        boolean counted = false;
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(ATTACKER, 0));
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", edgePort), 3000);
            } finally {
                attempted.incrementAndGet();
            }
            connectedAt = System.nanoTime();
            slowOpen.incrementAndGet();
            counted = true;
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("GET /api/v1/sale/status/" + product + " HTTP/1.1\r\nHost: shop\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.setSoTimeout(2000);
            long deadline = connectedAt + Duration.ofSeconds(15).toNanos();
            byte[] buffer = new byte[512];
            while (System.nanoTime() < deadline) {
                try {
                    int n = in.read(buffer);
                    if (n < 0) {
                        return new Slow("closed", connectedAt, System.nanoTime(), headers);
                    }
                    long at = System.nanoTime();
                    String answer = new String(buffer, 0, n, StandardCharsets.US_ASCII);
                    return new Slow(answer.startsWith("HTTP/1.1 408") || answer.startsWith("HTTP/1.0 408")
                            ? "408" : "other response", connectedAt, at, headers);
                } catch (SocketTimeoutException stillWaiting) {
                    out.write(("X-Slow-" + headers + ": still coming\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    headers++;
                }
            }
            return new Slow("open", connectedAt, System.nanoTime(), headers);
        } catch (IOException e) {
            // the edge rejects a connection over the per-address cap by resetting it, which the
            // attacker sees while connecting or at its next read or write
            boolean reset = String.valueOf(e.getMessage()).contains("reset") || String.valueOf(e.getMessage()).contains("Broken pipe");
            return new Slow(reset ? "reset" : e.toString(), connectedAt, System.nanoTime(), headers);
        } finally {
            if (counted) {
                slowOpen.decrementAndGet();
            }
        }
    }

    private static Timed timed(String what, AtomicInteger slowOpen, Supplier<Api.Reply> request) {
        int open = slowOpen.get();
        long start = System.nanoTime();
        Api.Reply reply = request.get();
        return new Timed(what, reply.status(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), open);
    }

    private static String summary(long floodStart, Map<String, List<Slow>> byOutcome, List<Timed> normal) {
        StringBuilder text = new StringBuilder();
        byOutcome.forEach((outcome, list) -> {
            List<Long> millis = list.stream().map(Slow::millis).sorted().toList();
            text.append(outcome).append(": ").append(list.size()).append(" (lasted ").append(millis.getFirst())
                    .append("-").append(millis.getLast()).append(" ms; opened ")
                    .append(TimeUnit.NANOSECONDS.toMillis(list.stream().mapToLong(Slow::connectedAt).min().orElseThrow() - floodStart))
                    .append("-")
                    .append(TimeUnit.NANOSECONDS.toMillis(list.stream().mapToLong(Slow::connectedAt).max().orElseThrow() - floodStart))
                    .append(" ms into the flood); ");
        });
        List<Long> latencies = normal.stream().map(Timed::millis).sorted().toList();
        text.append("normal client: ").append(normal.size()).append(" requests, ")
                .append(latencies.getFirst()).append("-").append(latencies.getLast()).append(" ms (median ")
                .append(latencies.get(latencies.size() / 2)).append(" ms), statuses ")
                .append(normal.stream().map(t -> t.what() + " " + t.status()).distinct().toList())
                .append(", slow connections held meanwhile ")
                .append(normal.stream().mapToInt(Timed::slowOpen).min().orElse(0)).append("-")
                .append(normal.stream().mapToInt(Timed::slowOpen).max().orElse(0));
        return text.toString();
    }

    @Test
    void theClientAddressReachesTheAppThroughTheProxyAndAForgedForwardedForDoesNot() throws Exception {
        startEdge(Map.of());
        UUID product = liveProduct(10, 1);
        HttpClient attacker = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .localAddress(InetAddress.getByName(ATTACKER)).connectTimeout(Duration.ofSeconds(5)).build();
        URI edgeUri = URI.create("http://127.0.0.1:" + edgePort);

        String plain = purchase(attacker, edgeUri, product, "edge-plain-" + product);
        String forged = purchase(attacker, edgeUri, product, "edge-forged-" + product,
                "X-Forwarded-For", "6.6.6.6", "X-Forwarded-Host", "evil.example", "Forwarded", "for=6.6.6.6");

        assertThat(orderIp(plain)).isEqualTo(ATTACKER);
        assertThat(orderIp(forged)).as("the forged X-Forwarded-For is dropped by the edge").isEqualTo(ATTACKER);

        // the admin audit log records the client's address as the edge forwards it, not a forged one
        long lastEntry = jdbc.sql("SELECT coalesce(max(id), 0) FROM admin_audit_log").query(Long.class).single();
        HttpResponse<String> wrongKey = attacker.send(HttpRequest.newBuilder(edgeUri.resolve("/api/v1/admin/outbox"))
                .header("X-Admin-Key", "edge-guess-0123456789").header("X-Forwarded-For", "6.6.6.6")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongKey.statusCode()).isEqualTo(401);
        assertThat(jdbc.sql("SELECT source_address FROM admin_audit_log WHERE id > ? AND target = 'GET /api/v1/admin/outbox'")
                .param(lastEntry).query(String.class).list()).containsExactly(ATTACKER);

        // a forged X-Forwarded-Proto does not pass either: over plain HTTP the session cookie is not Secure
        HttpResponse<String> signIn = attacker.send(HttpRequest.newBuilder(edgeUri.resolve("/api/v1/session"))
                .header("Content-Type", "application/json").header("X-Forwarded-Proto", "https")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"edge-" + product + "\"}"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signIn.statusCode()).as(signIn.body()).isLessThan(300);
        assertThat(signIn.headers().allValues("Set-Cookie")).isNotEmpty()
                .noneSatisfy(cookie -> assertThat(cookie.toLowerCase()).contains("secure"));
    }

    @Test
    void directlyToTheAppAForwardedForFromAnAddressThatIsNotTheProxyIsIgnored() throws Exception {
        UUID product = liveProduct(10, 1);
        HttpClient attacker = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .localAddress(InetAddress.getByName(ATTACKER)).connectTimeout(Duration.ofSeconds(5)).build();

        String order = purchase(attacker, URI.create("http://127.0.0.1:" + port), product, "direct-forged-" + product,
                "X-Forwarded-For", "6.6.6.6");

        assertThat(orderIp(order)).as("only 127.0.0.1 (the proxy) is trusted to forward").isEqualTo(ATTACKER);
    }

    /** A purchase of one unit; answers the order id. */
    private static String purchase(HttpClient client, URI base, UUID product, String user, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/api/v1/sale/purchase"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"productId\":\"" + product + "\"}"))
                .timeout(Duration.ofSeconds(10));
        request.headers(Api.user(user));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body()).path("data").path("orderId").asString();
    }

    private String orderIp(String orderId) {
        return jdbc.sql("SELECT metadata->>'ip' FROM orders WHERE id = ?::uuid").param(orderId).query(String.class).single();
    }

    @Test
    void aLiveStreamThroughTheProxyKeepsFlowingLongerThanTheProxysIdleTimeouts() throws Exception {
        // idle timeouts of 3 s for this test (30 s in the file): the stream must outlive them
        long idleTimeout = 3000;
        startEdge(Map.of("FLASHSALE_EDGE_TIMEOUT_CLIENT", idleTimeout + "ms", "FLASHSALE_EDGE_TIMEOUT_SERVER", idleTimeout + "ms"));
        UUID product = liveProduct(10, 1);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + edgePort + "/api/v1/sale/stream/" + product)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");

        long opened = System.nanoTime();
        List<long[]> lines = Collections.synchronizedList(new ArrayList<>()); // {millis since opened, kind}
        Map<String, Long> ended = new ConcurrentHashMap<>();
        List<String> saleData = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String event = null;
                for (String line; (line = in.readLine()) != null; ) {
                    long at = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
                    if (line.startsWith(":")) {
                        lines.add(new long[] {at, 0});
                    } else if (line.startsWith("event:")) {
                        event = line.substring(6).strip();
                    } else if (line.startsWith("data:") && "sale".equals(event)) {
                        lines.add(new long[] {at, 1});
                        saleData.add(line);
                    }
                }
                ended.put("eof", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened));
            } catch (IOException e) {
                ended.put("closed: " + e, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened));
            }
        });

        long watch = 9000;
        Thread.sleep(4500);
        // a unit sold while the stream is up reaches it through the edge
        assertThat(buy(product, "edge-stream-" + product).status()).isEqualTo(201);
        Thread.sleep(watch - 4500);
        List<long[]> seen;
        synchronized (lines) {
            seen = new ArrayList<>(lines);
        }
        Map<String, Long> endedBeforeClose = Map.copyOf(ended);
        response.body().close();
        reader.join(5000);

        String timeline = seen.stream().map(l -> (l[1] == 1 ? "event@" : "comment@") + l[0]).toList() + " " + ended;
        System.out.println("edge stream: " + timeline);
        assertThat(endedBeforeClose).as("the stream was still open after " + watch + " ms: " + timeline).isEmpty();
        assertThat(saleData).as(timeline).isNotEmpty();
        assertThat(saleData.getFirst()).contains("\"availableQuantity\":10");
        assertThat(saleData.getLast()).as("the sale after a purchase reached the stream").contains("\"availableQuantity\":9");
        assertThat(seen).as(timeline).anySatisfy(l -> assertThat(l[1]).isZero());
        // still receiving at the end, three idle timeouts after it opened
        assertThat(seen.getLast()[0]).as(timeline).isGreaterThan(watch - idleTimeout);
    }
}
