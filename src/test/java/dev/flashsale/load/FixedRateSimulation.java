package dev.flashsale.load;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * Scenario E of the benchmarks (docs/PERFORMANCE.md): an open model — purchase attempts arrive at a fixed rate whatever the
 * service's latency (-Drate, default 5000/s, for -Dduration seconds, default 60), each from a new
 * user. Assertions are the targets, on the purchases: p99 at most 10 ms, nothing failed (every
 * answer a 201 or a business 4xx).
 *
 * <p>Before the purchases, -Dwarmup seconds (default 15) of the same purchase request from new
 * users, against a second sale that is sold out after its first order (-DwarmupProductId; without
 * it, status reads of the sale): the rate ramps from a twentieth of -Drate to -Drate over the first
 * half, then holds. On a machine shared with the service, Gatling's own cold start otherwise lands
 * in the first seconds of the sale — measured: fewer than 1,200 requests/s sent and ~600 ms even
 * for the fastest answer during the first three seconds of a 2,000/s run; a warm-up of status
 * reads left the purchase request's code cold in Gatling (120-140 % of a core in the sale's first
 * second, against 60 % after), and starting it at the full rate opened a connection per request
 * until the listen queue overflowed (15,861 of 75,000 warm-up reads failed on a slower machine).
 * {@code -Dwarmup=0} measures a cold start.
 */
public class FixedRateSimulation extends Simulation {

    private static final String PRODUCT = LoadSettings.product();
    private static final int RATE = Integer.getInteger("rate", 5000);
    private static final int SECONDS = Integer.getInteger("duration", 60);
    private static final int WARMUP = Integer.getInteger("warmup", 15);
    private static final String WARMUP_PRODUCT = System.getProperty("warmupProductId", "");
    private static final AtomicLong NEXT = new AtomicLong();
    private static final String RUN = Long.toString(System.currentTimeMillis(), 36);

    private static final Iterator<Map<String, Object>> USERS = Stream.generate(
            () -> Map.<String, Object>of("userId", "e-" + RUN + "-" + NEXT.incrementAndGet())).iterator();

    private final HttpProtocolBuilder protocol = http.baseUrl(LoadSettings.API).shareConnections();

    private final ScenarioBuilder attempt = scenario("purchase at a fixed rate")
            .feed(USERS)
            .exec(purchase("purchase", PRODUCT));

    private final ScenarioBuilder warmUp = WARMUP_PRODUCT.isBlank()
            ? scenario("warm-up: status reads").exec(
                    http("warm-up status").get("/sale/status/" + PRODUCT).check(status().is(200)))
            : scenario("warm-up: purchases on a sold-out sale").feed(USERS).exec(purchase("warm-up purchase", WARMUP_PRODUCT));

    private static HttpRequestActionBuilder purchase(String name, String product) {
        return http(name).post("/sale/purchase")
                .header("Content-Type", "application/json")
                .header("X-User-Id", "#{userId}")
                .body(StringBody("{\"productId\":\"" + product + "\"}"))
                .check(status().in(201, 400, 403, 409));
    }

    {
        var purchases = attempt.injectOpen(constantUsersPerSec(RATE).during(Duration.ofSeconds(SECONDS)));
        var ramp = Duration.ofSeconds(WARMUP - WARMUP / 2);
        setUp(WARMUP > 0
                ? warmUp.injectOpen(
                        rampUsersPerSec(Math.max(1, RATE / 20)).to(RATE).during(ramp),
                        constantUsersPerSec(RATE).during(Duration.ofSeconds(WARMUP / 2))).andThen(purchases)
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
        if (!WARMUP_PRODUCT.isBlank()) {
            LoadSettings.audit(WARMUP_PRODUCT);
        }
    }
}
