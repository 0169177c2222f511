package dev.flashsale.load;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * Scenario E of issue #4: an open model — purchase attempts arrive at a fixed rate whatever the
 * service's latency (-Drate, default 5000/s, for -Dduration seconds, default 60), each from a new
 * user. Assertions are the targets, on the purchases: p99 at most 10 ms, nothing failed (every
 * answer a 201 or a business 4xx).
 *
 * <p>Before the purchases, status reads at the same rate for -Dwarmup seconds (default 15): on a
 * machine shared with the service, Gatling's own cold start (its JIT, its connections) otherwise
 * lands in the first seconds of the sale — measured: fewer than 1,200 requests/s sent and ~600 ms
 * even for the fastest answer during the first three seconds of a 2,000/s run. {@code -Dwarmup=0}
 * measures a cold start.
 */
public class FixedRateSimulation extends Simulation {

    private static final String PRODUCT = LoadSettings.product();
    private static final int RATE = Integer.getInteger("rate", 5000);
    private static final int SECONDS = Integer.getInteger("duration", 60);
    private static final int WARMUP = Integer.getInteger("warmup", 15);
    private static final AtomicLong NEXT = new AtomicLong();
    private static final String RUN = Long.toString(System.currentTimeMillis(), 36);

    private static final Iterator<Map<String, Object>> USERS = Stream.generate(
            () -> Map.<String, Object>of("userId", "e-" + RUN + "-" + NEXT.incrementAndGet())).iterator();

    private final HttpProtocolBuilder protocol = http.baseUrl(LoadSettings.API).shareConnections();

    private final ScenarioBuilder attempt = scenario("purchase at a fixed rate")
            .feed(USERS)
            .exec(http("purchase").post("/sale/purchase")
                    .header("Content-Type", "application/json")
                    .header("X-User-Id", "#{userId}")
                    .body(StringBody("{\"productId\":\"" + PRODUCT + "\"}"))
                    .check(status().in(201, 400, 403, 409)));

    private final ScenarioBuilder warmUp = scenario("warm-up: status reads at the same rate")
            .exec(http("warm-up status").get("/sale/status/" + PRODUCT).check(status().is(200)));

    {
        var purchases = attempt.injectOpen(constantUsersPerSec(RATE).during(Duration.ofSeconds(SECONDS)));
        setUp(WARMUP > 0
                ? warmUp.injectOpen(constantUsersPerSec(RATE).during(Duration.ofSeconds(WARMUP))).andThen(purchases)
                : purchases)
                .protocols(protocol)
                .assertions(
                        details("purchase").failedRequests().count().is(0L),
                        details("purchase").responseTime().percentile(99.0).lte(10),
                        global().failedRequests().count().is(0L));
    }

    @Override
    public void after() {
        LoadSettings.audit(PRODUCT);
    }
}
