package dev.flashsale.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small HTTP client for the service under test: real requests over a real socket. Every answer
 * from the API is checked against the OpenAPI the service serves ({@link Contract}): a test fails
 * on an answer the specification does not describe.
 */
public final class Api {

    public static final String ADMIN_KEY = "test-admin-key-0123456789";
    /** The test profile's payment webhook secret ({@code flashsale.payments.webhook-secret}). */
    public static final String WEBHOOK_SECRET = "test-webhook-secret-0123456789";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    private final int port;
    private final String base;
    private final HttpClient client;
    private final Duration timeout;

    public Api(int port) {
        this(port, CLIENT, Duration.ofSeconds(60));
    }

    private Api(int port, HttpClient client, Duration timeout) {
        this.port = port;
        this.base = "http://127.0.0.1:" + port;
        this.client = client;
        this.timeout = timeout;
    }

    /**
     * A client whose connections come from another loopback address (127.0.0.2, ...), as a second
     * machine's would, and that gives up on an answer after {@code timeout}.
     */
    public static Api from(String localAddress, int port, Duration timeout) {
        try {
            return new Api(port, HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(timeout)
                    .localAddress(InetAddress.getByName(localAddress))
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .build(), timeout);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public record Reply(int status, String contentType, String text, JsonNode json, java.net.http.HttpHeaders headers) {

        public String code() {
            return json == null ? null : json.path("code").asString(null);
        }

        public JsonNode data() {
            return json.path("data");
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    public Reply get(String path, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), headers);
    }

    public Reply post(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)), headers);
    }

    /** A POST with a body of the given content type (the other methods send JSON). */
    public Reply postAs(String contentType, String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)), headers);
    }

    public Reply patch(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)), headers);
    }

    public Reply send(HttpRequest.Builder request, String... headers) {
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpRequest built = request.timeout(timeout).build();
        try {
            HttpResponse<String> response = client.send(built, HttpResponse.BodyHandlers.ofString());
            String type = response.headers().firstValue("Content-Type").orElse("");
            Contract.assertConforms(port, built.method(), built.uri().getRawPath(), response.statusCode(), type,
                    response.headers(), response.body());
            JsonNode json = type.contains("json") && !response.body().isEmpty() ? JSON.readTree(response.body()) : null;
            return new Reply(response.statusCode(), type, response.body(), json, response.headers());
        } catch (IOException e) {
            throw new IllegalStateException("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends {@code n} requests, released together, at most {@code concurrency} at a time (a client
     * with that many connections); the replies in the order of the requests.
     */
    public static List<Reply> concurrently(int n, int concurrency, IntFunction<Reply> request) {
        CountDownLatch start = new CountDownLatch(1);
        Semaphore connections = new Semaphore(concurrency);
        List<Future<Reply>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    connections.acquire();
                    try {
                        return request.apply(index);
                    } finally {
                        connections.release();
                    }
                }));
            }
            start.countDown();
            List<Reply> replies = new ArrayList<>(n);
            for (Future<Reply> f : futures) {
                replies.add(f.get());
            }
            return replies;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    public static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    public static String[] user(String userId) {
        return new String[] {"X-User-Id", userId};
    }

    public static String[] cookie(String token) {
        return new String[] {"Cookie", "flashsale_session=" + token};
    }

    /** The payment provider's signature of a webhook body, now, with the test profile's secret. */
    public static String webhookSignature(String body) {
        return webhookSignature(WEBHOOK_SECRET, Instant.now().getEpochSecond(), body);
    }

    /**
     * A webhook signature as the provider makes it, at unix second {@code t}:
     * {@code t=<t>,v1=<hex HMAC-SHA256 of "<t>." + body>}.
     */
    public static String webhookSignature(String secret, long t, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] signature = mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8));
            return "t=" + t + ",v1=" + HexFormat.of().formatHex(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String[] admin() {
        return new String[] {"X-Admin-Key", ADMIN_KEY};
    }
}
