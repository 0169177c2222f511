package dev.flashsale.ops;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.support.Scrape;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What an operator reads in the metrics during a sale: answers by code, latency by route, meters from start-up. */
class OperatorMetricsTest extends IntegrationTest {

    private static final String PROBLEMS = "flashsale_problems_total";

    @Autowired
    private MeterRegistry meters;

    @Test
    void requestsAreTimedWithoutALongTaskTimerForEachRequestOrRedisCommand() {
        UUID product = liveProduct(10, 1);
        assertThat(buy(product, "timed-" + UUID.randomUUID()).status()).isEqualTo(201);
        assertThat(api.get("/api/v1/sale/status/" + product).status()).isEqualTo(200);

        assertThat(meters.find("http.server.requests").timers()).isNotEmpty();
        assertThat(meters.getMeters()).as("long-task timers").noneMatch(LongTaskTimer.class::isInstance);
    }

    /**
     * Each problem answer is counted once under its code, whichever of the places that write
     * problems wrote it: the hot path, the security entry point, the controller advice, the
     * firewall, Tomcat's refusals.
     */
    @Test
    void everyProblemAnswerIsCountedOnceByItsCode() {
        UUID product = liveProduct(5, 1);
        assertThat(buy(product, "codes-a").status()).isEqualTo(201);
        Scrape before = Scrape.of(api);

        assertThat(buy(product, "codes-a").code()).isEqualTo("ALREADY_PURCHASED"); // hot path
        assertThat(api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}").code())
                .isEqualTo("UNAUTHENTICATED"); // security entry point
        assertThat(api.get("/api/v1/sale/status/not-a-uuid").code()).isEqualTo("VALIDATION_FAILED"); // advice
        assertThat(api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\",\"quantity\":0}",
                Api.user("codes-b")).code()).isEqualTo("VALIDATION_FAILED"); // full path, bean validation
        assertThat(api.get("/api/v1/no-such-thing").code()).isEqualTo("NOT_FOUND");
        assertThat(api.get("/api/v1/sale/%2e%2e/status").code()).isEqualTo("MALFORMED_REQUEST"); // firewall
        assertThat(api.get("/api/v1/sale/status/a%00b").code()).isEqualTo("MALFORMED_REQUEST"); // Tomcat

        Scrape after = Scrape.of(api);
        Map<String, Integer> expected = Map.of("ALREADY_PURCHASED", 1, "UNAUTHENTICATED", 1, "VALIDATION_FAILED", 2,
                "NOT_FOUND", 1, "MALFORMED_REQUEST", 2, "SOLD_OUT", 0, "RATE_LIMITED", 0, "INTERNAL_ERROR", 0,
                "OTHER", 0);
        expected.forEach((code, n) -> assertThat(after.value(PROBLEMS, "code", code) - before.value(PROBLEMS, "code", code))
                .as(code).isCloseTo(n, within(0.001)));
    }

    /** The hot path's answers are timed under the purchase's route, with the buckets a p99 alert needs. */
    @Test
    void aPurchaseIsTimedUnderItsRouteInLatencyBuckets() {
        UUID product = liveProduct(5, 1);
        assertThat(buy(product, "timed-a").status()).isEqualTo(201);
        assertThat(buy(product, "timed-a").status()).isEqualTo(409);

        Scrape scrape = Scrape.of(api);
        for (String status : List.of("201", "409")) {
            assertThat(scrape.series("http_server_requests_seconds_bucket", "uri", "/api/v1/sale/purchase",
                    "method", "POST", "status", status).stream().map(s -> s.labels().get("le")))
                    .as("buckets of the purchase's %s answers", status)
                    .contains("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "+Inf");
        }
    }

    /** Alerts on a rate of these read 0, not "no data", before the first repair, refusal or dead letter. */
    @Test
    void theMetricsAlertsWatchExistFromStartUp() {
        Scrape scrape = Scrape.of(api);
        for (String kind : List.of("released", "confirmed", "buyers_restored", "units_reclaimed", "units_freed",
                "stock_corrected", "rebuilt", "sold_counted")) {
            assertThat(scrape.series("flashsale_reconciler_repairs_total", "kind", kind)).as(kind).hasSize(1);
        }
        for (String limit : List.of("purchase-per-address", "purchase-per-user", "purchase-per-user-shared",
                "reads-per-address", "streams-per-address", "streams-total", "admin-lockout")) {
            assertThat(scrape.series("flashsale_limits_refused_total", "limit", limit)).as(limit).hasSize(1);
        }
        for (String status : List.of("published", "processing", "failed", "resubmitted")) {
            assertThat(scrape.series("flashsale_outbox_pending", "status", status)).as(status).hasSize(1);
        }
        assertThat(scrape.series("flashsale_outbox_dead_letters")).hasSize(1);
        assertThat(scrape.series("flashsale_outbox_oldest_age_seconds")).hasSize(1);
        assertThat(scrape.series("flashsale_reconciler_pass_seconds_count")).hasSize(2);
        assertThat(scrape.series(PROBLEMS, "code", "SOLD_OUT")).hasSize(1);
        assertThat(scrape.series("flashsale_purchases_total", "outcome", "inventory_conflict")).hasSize(1);
    }

    @Test
    void everyFlashSaleMetricSaysWhatItMeasures() {
        Map<String, String> help = Scrape.of(api).help();
        List<String> ours = help.keySet().stream().filter(name -> name.startsWith("flashsale_")).toList();
        assertThat(ours).hasSizeGreaterThan(20);
        assertThat(ours).allSatisfy(name -> assertThat(help.get(name)).as("HELP of " + name).isNotBlank());
    }
}
