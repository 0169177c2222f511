package dev.flashsale.limits;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.support.LimitsOn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live streams cannot starve the service: capped per address (32 here) and per instance (60 here),
 * refused at once beyond the caps, and freed within two probes (4 s) of their client leaving.
 */
@LimitsOn
class StreamCapsTest extends IntegrationTest {

    /** Two probes of 2 s, and the stream ticker's interval to notice the second one failed. */
    private static final Duration FREED_WITHIN = Duration.ofSeconds(5);

    /**
     * How long an attacker waits for its answer before it counts as none. "At once" is the
     * refusals' p99; single answers on two cores shared with the attacker, the ordinary client and
     * the suite's other application contexts have taken over 10 s on the slowest machines.
     */
    private static final int ATTACKER_PATIENCE = 30_000;

    @Autowired
    StreamSlots slots;

    private final List<Socket> held = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void noStreamsOpen() {
        await().atMost(FREED_WITHIN).until(() -> slots.open() == 0);
    }

    @AfterEach
    void leave() {
        held.forEach(StreamCapsTest::closeQuietly);
        held.clear();
        await().atMost(FREED_WITHIN).until(() -> slots.open() == 0);
    }

    @Test
    void nineThousandStreamsFromOneAddressLeaveOtherClientsServedAndAreRefusedAtOnce(TestReporter reporter) throws Exception {
        UUID product = liveProduct(100_000, 1);
        Map<Integer, AtomicInteger> refused = new ConcurrentHashMap<>();
        List<String> broken = Collections.synchronizedList(new ArrayList<>());
        List<Long> refusalNanos = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean flooding = new AtomicBoolean(true);
        Ordinary ordinary = new Ordinary(product);
        Thread client = Thread.ofVirtual().start(() -> ordinary.runWhile(flooding));

        // 9,000 stream requests at 450 a second (as fast as one such client gets answers from an
        // instance that also serves everyone else; a faster connection rate is the edge's to cut)
        try (ExecutorService attackers = Executors.newFixedThreadPool(64)) {
            long begin = System.nanoTime();
            for (int i = 0; i < 9000; i++) {
                long due = begin + i * (1_000_000_000L / 450);
                LockSupport.parkNanos(due - System.nanoTime());
                attackers.execute(() -> {
                    Socket socket = null;
                    try {
                        socket = openStream("127.0.0.6", product);
                        socket.setSoTimeout(ATTACKER_PATIENCE);
                        long started = System.nanoTime(); // from the request sent to its answer
                        Head head = Head.read(socket);
                        if (head.status() == 200) {
                            held.add(socket);
                            return;
                        }
                        refusalNanos.add(System.nanoTime() - started);
                        refused.computeIfAbsent(head.status(), s -> new AtomicInteger()).incrementAndGet();
                        socket.setSoLinger(true, 0); // no TIME_WAIT left for the next connection's port
                        closeQuietly(socket);
                    } catch (IOException e) {
                        broken.add(e.toString());
                        if (socket != null) { // a stream answered after all must not outlive the test
                            closeQuietly(socket);
                        }
                    }
                });
            }
            attackers.shutdown();
            assertThat(attackers.awaitTermination(90, TimeUnit.SECONDS)).isTrue();
        } finally {
            flooding.set(false);
            client.join();
        }

        assertThat(broken).as("attacker connections that got no answer").isEmpty();
        assertThat(held).hasSize(32);
        assertThat(refused).containsOnlyKeys(429);
        assertThat(refused.get(429).get()).isEqualTo(9000 - 32);
        List<Long> sorted = refusalNanos.stream().sorted().toList();
        Duration p99 = Duration.ofNanos(sorted.get(sorted.size() * 99 / 100));
        Duration slowest = Duration.ofNanos(sorted.getLast());
        // "at once": answered without waiting for anything (a refusal that waited would wait for a
        // stream slot, the 5 s connection timeout or the 2 s probe); the bound leaves room for a
        // loaded machine, and the slowest is only reported, as the attacker shares the JVM and the
        // two cores (a collector pause lands on somebody)
        assertThat(p99).isLessThan(Duration.ofMillis(1_500));
        assertThat(ordinary.failures).as("timeouts or broken connections").isEmpty();
        // served: every answer within the client's timeout, half of them within the refusals' bound; the
        // slowest are reported, not bounded: on the slowest machines single purchases have stalled for
        // over 10 s during the flood, a cause not yet found (docs/PERFORMANCE.md, "Open: stalls")
        assertThat(ordinary.percentile(50)).as("the ordinary client's median").isLessThan(Duration.ofMillis(1_500));
        assertThat(ordinary.answers).containsOnlyKeys("200", "201");
        assertThat(ordinary.answers.get("201").get()).isGreaterThan(0);
        long overOneSecond = sorted.stream().filter(nanos -> nanos > 1_000_000_000L).count();
        long ordinaryOverOneSecond = ordinary.nanos.stream().filter(nanos -> nanos > 1_000_000_000L).count();
        reporter.publishEntry("stream flood", String.format("refusals p99 %d ms, slowest %d ms, %d over 1 s; ordinary client %s, "
                + "%d over 1 s, p50 %d ms, p90 %d ms, p99 %d ms, slowest %d ms", p99.toMillis(), slowest.toMillis(), overOneSecond,
                ordinary.answers, ordinaryOverOneSecond, ordinary.percentile(50).toMillis(), ordinary.percentile(90).toMillis(),
                ordinary.percentile(99).toMillis(), ordinary.percentile(100).toMillis()));
    }

    @Test
    void whenTheInstanceHoldsAllTheStreamsItMayANewOneGets503WhileStatusReadsGoOn() throws Exception {
        UUID product = liveProduct(10, 1);
        for (int i = 0; i < 32; i++) {
            assertThat(holdStream("127.0.0.7", product)).isEqualTo(200);
        }
        Head perAddress = Head.read(openStream("127.0.0.7", product));
        assertThat(perAddress.status()).isEqualTo(429);
        assertThat(perAddress.headers().get("retry-after")).isEqualTo("5");
        assertThat(perAddress.headers().get("connection")).isEqualTo("close");
        for (int i = 0; i < 28; i++) {
            assertThat(holdStream("127.0.0.8", product)).isEqualTo(200);
        }

        Head full = Head.read(openStream("127.0.0.8", product));
        assertThat(full.status()).isEqualTo(503);
        assertThat(full.headers().get("retry-after")).isEqualTo("5");
        Api.Reply ordinaryStream = api.get("/api/v1/sale/stream/" + product);
        assertThat(ordinaryStream.status()).isEqualTo(503);
        assertThat(ordinaryStream.code()).isEqualTo("STREAMS_FULL");
        assertThat(api.get("/api/v1/sale/status/" + product).status()).isEqualTo(200);
        assertThat(buy(product, "shopper-" + UUID.randomUUID()).status()).isEqualTo(201);
    }

    @Test
    void tenSecondsOfStreamChurnFromOneAddressLeaveTheNextClientAnsweredAtOnce() throws Exception {
        UUID product = liveProduct(10, 1);
        AtomicInteger opened = new AtomicInteger();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try (ExecutorService churners = Executors.newFixedThreadPool(64)) {
            for (int t = 0; t < 64; t++) {
                churners.execute(() -> {
                    while (System.nanoTime() < until && opened.get() < 15_000) {
                        try (Socket socket = openStream("127.0.0.9", product)) {
                            Head.read(socket);
                            opened.incrementAndGet();
                            socket.setSoLinger(true, 0);
                        } catch (IOException e) {
                            // a refused connection is part of the churn
                        }
                    }
                });
            }
        }

        long started = System.nanoTime();
        assertThat(api.get("/api/v1/sale/status/" + product).status()).isEqualTo(200);
        assertThat(holdStream("127.0.0.1", product)).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(opened.get()).isGreaterThan(1000);
    }

    @Test
    void aStreamWhoseClientLeftIsFreedWithinTwoProbes(TestReporter reporter) throws Exception {
        UUID product = liveProduct(10, 1);
        List<Socket> streams = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Socket socket = openStream("127.0.0.10", product);
            assertThat(Head.read(socket).status()).isEqualTo(200);
            streams.add(socket);
        }
        assertThat(slots.open()).isEqualTo(5);

        long left = System.nanoTime();
        streams.forEach(StreamCapsTest::closeQuietly); // the browsers go away without a word

        await().atMost(FREED_WITHIN).until(() -> slots.open() == 0);
        reporter.publishEntry("departed streams",
                "5 freed after " + Duration.ofNanos(System.nanoTime() - left).toMillis() + " ms");
    }

    /** Purchases and status reads of an ordinary shopper (127.0.0.1), one after another, timed. */
    private final class Ordinary {
        final UUID product;
        final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
        /**
         * Gives up on an answer after 30 s: a purchase stalled for longer counts as not served.
         */
        final Api client = Api.from("127.0.0.1", port, Duration.ofSeconds(30));

        Ordinary(UUID product) {
            this.product = product;
        }

        /**
         * A status read and a purchase at most every 60 ms, however fast the answers come: within
         * this context's read limit of 200 per 10 s for its address, as an ordinary client is.
         */
        void runWhile(AtomicBoolean going) {
            while (going.get()) {
                long started = System.nanoTime();
                timed(() -> client.get("/api/v1/sale/status/" + product));
                timed(() -> client.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                        Api.user("ordinary-" + UUID.randomUUID())));
                LockSupport.parkNanos(Duration.ofMillis(60).toNanos() - (System.nanoTime() - started));
            }
        }

        private void timed(java.util.function.Supplier<Api.Reply> request) {
            long started = System.nanoTime();
            try {
                Api.Reply reply = request.get();
                answers.computeIfAbsent(Integer.toString(reply.status()), s -> new AtomicInteger()).incrementAndGet();
            } catch (RuntimeException e) {
                failures.add(e.toString());
            }
            nanos.add(System.nanoTime() - started);
        }

        /** The answer time below which {@code percent} of the requests were answered. */
        Duration percentile(int percent) {
            List<Long> sorted = nanos.stream().sorted().toList();
            return Duration.ofNanos(sorted.get(Math.min(sorted.size() - 1, sorted.size() * percent / 100)));
        }
    }

    private int holdStream(String from, UUID product) throws IOException {
        Socket socket = openStream(from, product);
        held.add(socket);
        return Head.read(socket).status();
    }

    private Socket openStream(String from, UUID product) throws IOException {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /api/v1/sale/stream/" + product + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return socket;
        } catch (IOException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    /** A response's status line and headers, read off the socket (the body is left unread). */
    private record Head(int status, Map<String, String> headers) {

        static Head read(Socket socket) throws IOException {
            InputStream in = socket.getInputStream();
            String statusLine = line(in);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
            return new Head(Integer.parseInt(statusLine.split(" ")[1]), headers);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("closed before the end of the headers");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
