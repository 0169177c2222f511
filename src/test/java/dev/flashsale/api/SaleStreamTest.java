package dev.flashsale.api;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The live sale stream: server-sent events that follow the stock, coalesced. */
class SaleStreamTest extends IntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Reads a stream's events on a thread of its own; each event's data arrives in the queue. */
    private BlockingQueue<JsonNode> watch(UUID product) throws Exception {
        HttpResponse<InputStream> response = CLIENT.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v1/sale/stream/" + product)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String event = null;
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("event:")) {
                        event = line.substring(6).strip();
                    } else if (line.startsWith("data:") && "sale".equals(event)) {
                        events.add(JSON.readTree(line.substring(5)));
                    }
                }
            } catch (Exception closed) {
                // the test ended
            }
        });
        return events;
    }

    @Test
    void watchersSeeTheStockFallAsUnitsSell() throws Exception {
        UUID product = liveProduct(10, 1);
        BlockingQueue<JsonNode> events = watch(product);

        JsonNode first = events.poll(5, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(first.path("sale").path("availableQuantity").asInt()).isEqualTo(10);
        assertThat(first.path("sale").path("status").asString()).isEqualTo("active");
        assertThat(first.path("serverTime").asString()).isNotBlank();

        for (int i = 0; i < 3; i++) {
            assertThat(buy(product, "streamer-" + i + "-" + product).status()).isEqualTo(201);
        }
        int seen = 10;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (seen != 7 && System.nanoTime() < deadline) {
            JsonNode next = events.poll(1, TimeUnit.SECONDS);
            if (next != null) {
                int available = next.path("sale").path("availableQuantity").asInt();
                assertThat(available).as("the stock only falls").isLessThanOrEqualTo(seen);
                seen = available;
            }
        }
        assertThat(seen).isEqualTo(7);
    }

    @Test
    void anUnchangedSaleIsNotSentAgainBeforeTheHeartbeat() throws Exception {
        UUID product = liveProduct(5, 1);
        BlockingQueue<JsonNode> events = watch(product);
        assertThat(events.poll(5, TimeUnit.SECONDS)).isNotNull();
        // ten stream intervals (250 ms) with nothing sold: nothing more is sent (the heartbeat is 15 s)
        assertThat(events.poll(2500, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void anUnknownSaleIsA404NotAStream() {
        Api.Reply reply = api.get("/api/v1/sale/stream/" + UUID.randomUUID());
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.code()).isEqualTo("PRODUCT_NOT_FOUND");
        assertThat(api.get("/api/v1/sale/stream/not-a-uuid").status()).isEqualTo(400);
    }
}
