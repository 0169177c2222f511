package dev.flashsale.load;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * The seed's k6 load test ({@code load-test/flash-sale-k6.js}), in Gatling: the same three
 * scenarios with the same ramps and 0.2 s think time, users drawn at random from user-1 ..
 * user-10000, the product found at {@code GET /sale/first}, and the seed's thresholds as
 * assertions (failed requests &lt; 5 %, p95 &lt; 800 ms).
 *
 * <p>One difference on purpose: a purchase check accepts 201 and the business rejections this
 * service answers (400, 403, 409 — the seed answered 201 with success:false); anything else,
 * a 5xx above all, counts as failed.
 */
public class SeedScenariosSimulation extends Simulation {

    private static final String PRODUCT = LoadSettings.product();
    private static final Duration THINK = Duration.ofMillis(200);

    private static final Iterator<Map<String, Object>> USERS = Stream.generate(
            () -> Map.<String, Object>of("userId", "user-" + ThreadLocalRandom.current().nextInt(1, 10_001))).iterator();

    private final HttpProtocolBuilder protocol = http.baseUrl(LoadSettings.API)
            .acceptHeader("application/json")
            .shareConnections();

    private final ScenarioBuilder checkStatus = scenario("check_status")
            .exec(http("status").get("/sale/status/" + PRODUCT)
                    .check(status().is(200), jsonPath("$.data").exists()))
            .pause(THINK);

    private final ScenarioBuilder attemptPurchase = scenario("attempt_purchase")
            .feed(USERS)
            .exec(http("purchase").post("/sale/purchase")
                    .header("Content-Type", "application/json")
                    .header("x-user-id", "#{userId}")
                    .body(StringBody("{\"productId\":\"" + PRODUCT + "\",\"userId\":\"#{userId}\"}"))
                    .check(status().in(200, 201, 400, 403, 409)))
            .pause(THINK);

    private final ScenarioBuilder checkUserStatus = scenario("user_status")
            .feed(USERS)
            .exec(http("user status").get("/sale/user/status?productId=" + PRODUCT)
                    .header("x-user-id", "#{userId}")
                    .check(status().is(200)))
            .pause(THINK);

    {
        setUp(
                checkStatus.injectClosed(
                        rampConcurrentUsers(0).to(20).during(10),
                        rampConcurrentUsers(20).to(100).during(30),
                        rampConcurrentUsers(100).to(0).during(10)),
                attemptPurchase.injectClosed(
                        constantConcurrentUsers(0).during(5),
                        rampConcurrentUsers(0).to(50).during(10),
                        rampConcurrentUsers(50).to(200).during(60),
                        rampConcurrentUsers(200).to(0).during(10)),
                checkUserStatus.injectClosed(
                        constantConcurrentUsers(0).during(10),
                        rampConcurrentUsers(0).to(10).during(10),
                        rampConcurrentUsers(10).to(50).during(30),
                        rampConcurrentUsers(50).to(0).during(10)))
                .protocols(protocol)
                .assertions(
                        global().failedRequests().percent().lt(5.0),
                        global().responseTime().percentile(95.0).lt(800));
    }

    @Override
    public void after() {
        LoadSettings.audit(PRODUCT);
    }
}
