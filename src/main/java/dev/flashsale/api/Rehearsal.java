package dev.flashsale.api;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.uuid.Generators;
import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.identity.IdentityProperties;
import dev.flashsale.identity.Tokens;
import dev.flashsale.inventory.Inventory;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * Before the instance reports ready, it sells a sale to itself: a crowd of synthetic buyers sends
 * purchases, repeated purchases and status reads over HTTP to its own port, through the same
 * filters, identity (signed tokens), scripts and group commit as real ones, until the JIT compiler
 * has compiled what they use. Each synthetic sale opens as a real one does, to hundreds of
 * connections at once, so that the code is compiled for an opening's crowd, not a trickle.
 * Start-up runners run before Spring Boot publishes readiness ({@code /actuator/health/readiness}),
 * so a load balancer sends the first real crowd to compiled code (decision 0028).
 *
 * <p>Nothing real is touched. The synthetic sales exist only in this instance's catalog memory
 * ({@link Catalog#rehearse}); their Redis keys are their own and are deleted afterwards; their
 * orders are written in transactions that are rolled back. The rehearsal's requests carry a
 * secret made for this rehearsal, valid only while it runs: the per-address limits check them as
 * any other request but never refuse them ({@link RequestLimits}).
 * Request and purchase counters include the rehearsal's requests.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE) // after every other runner, the warm-up of real sales included
class Rehearsal implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(Rehearsal.class);
    /** The header that carries the rehearsal's secret. */
    static final String HEADER = "X-Flashsale-Rehearsal";
    /**
     * Units of each synthetic sale, as many as a real opening's winners: hundreds of purchases are
     * reserved at once and the group commit writes batches of hundreds.
     */
    static final int UNITS = 1_000;
    private static final int PER_SALE = 5_000;
    /**
     * The crowd's connections, each sending one request at a time: an opening's concurrency. Code
     * compiled for a smaller crowd is deoptimized by the branches an opening takes (bigger buffers
     * and batches, connections accepted by the hundred) and compiled again while the crowd waits.
     */
    private static final int CONNECTIONS = 512;

    private final RehearsalProperties properties;
    private final Catalog catalog;
    private final Inventory inventory;
    private final Tokens tokens;
    private final IdentityProperties identity;
    private final ApplicationContext context;
    private final Environment environment;
    private final Clock clock;
    private volatile byte[] secret;

    Rehearsal(RehearsalProperties properties, Catalog catalog, Inventory inventory, Tokens tokens,
              IdentityProperties identity, ApplicationContext context, Environment environment, Clock clock) {
        this.properties = properties;
        this.catalog = catalog;
        this.inventory = inventory;
        this.tokens = tokens;
        this.identity = identity;
        this.context = context;
        this.environment = environment;
        this.clock = clock;
    }

    /** Whether the request is the running rehearsal's own. */
    boolean owns(HttpServletRequest request) {
        byte[] expected = secret;
        if (expected == null) {
            return false;
        }
        String presented = request.getHeader(HEADER);
        return presented != null && MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void run(ApplicationArguments args) {
        if (!properties.enabled() || properties.requests() == 0) {
            return;
        }
        if (!(context instanceof WebServerApplicationContext web) || web.getWebServer() == null
                || web.getWebServer().getPort() <= 0) {
            return; // no server to rehearse on
        }
        if (environment.getProperty("server.ssl.enabled", Boolean.class, false)
                || environment.getProperty("server.ssl.bundle") != null) {
            log.info("No rehearsal: the server speaks TLS; the instance is ready without it");
            return;
        }
        long started = System.nanoTime();
        long deadline = started + properties.timeout().toNanos();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String presented = Base64.getUrlEncoder().withoutPadding().encodeToString(key);
        secret = presented.getBytes(StandardCharsets.US_ASCII);
        Map<Integer, LongAdder> answers = new ConcurrentHashMap<>();
        int port = web.getWebServer().getPort();
        int sent = 0;
        int sales = 0;
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            while (sent < properties.requests() && System.nanoTime() < deadline) {
                int requests = Math.min(PER_SALE, properties.requests() - sent);
                sale(workers, port, presented, requests, deadline, answers);
                sent += requests;
                sales++;
            }
            long rehearsed = System.nanoTime();
            boolean quiet = compilerQuiet(deadline);
            log.info("Rehearsed {} requests on {} synthetic sales in {} ms ({}), then waited {} ms for the JIT "
                            + "compiler{}; the instance is ready",
                    sent, sales, (rehearsed - started) / 1_000_000, answers,
                    (System.nanoTime() - rehearsed) / 1_000_000, quiet ? "" : " (still compiling at the timeout)");
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException failed) {
            log.warn("The rehearsal stopped ({}); the instance is ready without it", failed.toString());
        } finally {
            secret = null;
        }
    }

    /**
     * One synthetic sale of {@link #UNITS} units, opened at once to {@link #CONNECTIONS} connections of
     * new buyers and sold out to them, then discarded.
     */
    private void sale(ExecutorService workers, int port, String presented, int requests, long deadline,
                      Map<Integer, LongAdder> answers) throws InterruptedException {
        Instant now = clock.instant();
        UUID id = Generators.timeBasedEpochGenerator().generate();
        Product sale = new Product(id, "rehearsal", "a sale an instance sells to itself before it takes traffic",
                new BigDecimal("1.00"), UNITS, 0, 1, now.minusSeconds(60), now.plus(Duration.ofHours(1)),
                now, now, null, false, 0, null, 1);
        catalog.rehearse(sale);
        try {
            // in Redis before the crowd comes, as a real sale's state is (created, or warmed up at start)
            inventory.ensureReady(sale);
            byte[] status = ("GET /api/v1/sale/status/" + id + " HTTP/1.1\r\nHost: rehearsal\r\n" + HEADER + ": "
                    + presented + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            String body = "{\"productId\":\"" + id + "\"}";
            List<Future<?>> crowd = new ArrayList<>(CONNECTIONS);
            AtomicBoolean stopped = new AtomicBoolean();
            for (int w = 0; w < CONNECTIONS; w++) {
                int worker = w;
                crowd.add(workers.submit(() -> {
                    try (Connection connection = new Connection(loopback(), port)) {
                        for (int i = worker; i < requests && System.nanoTime() < deadline && !stopped.get();
                             i += CONNECTIONS) {
                            if (i % 8 == 7) {
                                count(answers, connection.exchange(status));
                                continue;
                            }
                            byte[] purchase = ("POST /api/v1/sale/purchase HTTP/1.1\r\nHost: rehearsal\r\n" + HEADER + ": "
                                    + presented + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                                    + "\r\n" + caller(i) + "\r\n" + body).getBytes(StandardCharsets.UTF_8);
                            count(answers, connection.exchange(purchase));
                            if (i % 16 == 0) {
                                count(answers, connection.exchange(purchase)); // the same buyer again
                            }
                        }
                    } catch (IOException | RuntimeException failed) {
                        stopped.set(true); // the other connections stop after their current request
                        throw failed;
                    }
                    return null;
                }));
            }
            // The sale ends once every connection is done, so that none is still buying when its state
            // is discarded.
            IllegalStateException failure = null;
            for (Future<?> worker : crowd) {
                try {
                    worker.get();
                } catch (ExecutionException failed) {
                    if (failure == null) {
                        failure = new IllegalStateException(failed.getCause());
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            catalog.endRehearsal(id);
            inventory.discard(id);
        }
    }

    /**
     * A new buyer's identity headers, as real ones come: a signed session token, and every other
     * time, when the instance trusts a gateway's user header, that header (with the gateway's proof).
     */
    private String caller(int i) {
        String user = "rehearsal-" + UUID.randomUUID();
        IdentityProperties.TrustedHeader gateway = identity.trustedHeader();
        if (gateway.enabled() && i % 2 == 1) {
            return gateway.name() + ": " + user + "\r\n"
                    + (gateway.secret() != null ? gateway.secretHeader() + ": " + gateway.secret() + "\r\n" : "");
        }
        return HttpHeaders.AUTHORIZATION + ": Bearer " + tokens.issue(user, List.of(), Duration.ofMinutes(5)) + "\r\n";
    }

    private static void count(Map<Integer, LongAdder> answers, int status) {
        answers.computeIfAbsent(status, c -> new LongAdder()).increment();
    }

    /**
     * A kept-alive HTTP/1.1 connection to this instance, one request at a time; the smallest client
     * that reads an answer to its end (by its length, or its chunks), so that the rehearsal spends
     * the processor on the server's code rather than on a client's.
     */
    private static final class Connection implements AutoCloseable {
        private final String host;
        private final int port;
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        Connection(String host, int port) throws IOException {
            this.host = host;
            this.port = port;
            open();
        }

        private void open() throws IOException {
            socket = new Socket(host, port);
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        /**
         * Sends the request, reads the whole answer, and returns its status. An answer that closes
         * the connection (the server's {@code max-keep-alive-requests}) is followed by a new one.
         */
        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String statusLine = line();
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = 0;
            boolean chunked = false;
            boolean closing = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                String name = header.substring(0, Math.max(0, header.indexOf(':'))).strip();
                String value = header.substring(header.indexOf(':') + 1).strip();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                    chunked = true;
                } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                    closing = true;
                }
            }
            if (!chunked) {
                in.skipNBytes(length);
            } else {
                for (long chunk = Long.parseLong(line().strip(), 16); chunk > 0; chunk = Long.parseLong(line().strip(), 16)) {
                    in.skipNBytes(chunk + 2);
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            }
            if (closing) {
                socket.close();
                open();
            }
            return status;
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new EOFException("the instance closed the rehearsal's connection");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Waits until the JIT compiler has been idle for a moment, or the deadline; whether it was. */
    private static boolean compilerQuiet(long deadline) throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return true;
        }
        long before = jit.getTotalCompilationTime();
        while (System.nanoTime() < deadline) {
            Thread.sleep(200);
            long now = jit.getTotalCompilationTime();
            if (now - before < 20) {
                return true;
            }
            before = now;
        }
        return false;
    }

    private String loopback() {
        String address = environment.getProperty("server.address");
        if (address == null || address.isBlank() || address.equals("0.0.0.0") || address.equals("::")) {
            return "127.0.0.1";
        }
        return address.contains(":") ? "[" + address + "]" : address;
    }
}
