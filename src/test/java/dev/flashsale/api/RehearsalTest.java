package dev.flashsale.api;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import dev.flashsale.support.Api;
import dev.flashsale.support.AppProcess;
import dev.flashsale.support.FaultDrill;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A production instance, as its own process with the production limits, rehearses a sale on
 * itself before it reports ready, and leaves nothing of it behind: no product, order or outbox
 * entry in PostgreSQL, no sale state in Redis, and no way past the limits once it is over.
 */
class RehearsalTest extends FaultDrill {

    private static final Pattern REHEARSED =
            Pattern.compile("Rehearsed (\\d+) requests on (\\d+) synthetic sales in (\\d+) ms \\(\\{([^}]*)\\}\\)");

    @Test
    void aStartingInstanceRehearsesASaleBeforeItIsReadyAndLeavesNothingBehind(TestReporter reporter) throws Exception {
        long orders = count("SELECT count(*) FROM orders");
        Set<UUID> holders = unitHolders();
        long events = count("SELECT count(*) FROM event_publication");
        long products = count("SELECT count(*) FROM products");
        int port = freePort();
        long launched = System.nanoTime();
        try (AppProcess app = AppProcess.start(rehearsing(port, "--flashsale.rehearsal.requests=10000"))) {
            Api api = new Api(port);
            AtomicInteger refused = new AtomicInteger();
            AtomicReference<String> whenReady = new AtomicReference<>();
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                        .until(() -> !app.isAlive() || ready(api, app, refused, whenReady));
            } catch (ConditionTimeoutException timedOut) {
                // asserted below, with the instance's output
            }
            int refusedBeforeReady = refused.get();
            String outputWhenReady = whenReady.get();
            long ready = (System.nanoTime() - launched) / 1_000_000;
            assertThat(outputWhenReady).as("the instance became ready; its output:\n%s", app.output()).isNotNull();
            assertThat(refusedBeforeReady).as("readiness answered 503 while the instance rehearsed").isPositive();
            Matcher rehearsed = REHEARSED.matcher(outputWhenReady);
            assertThat(rehearsed.find()).as("the rehearsal was over before readiness answered 200:\n%s", app.output())
                    .isTrue();
            Map<Integer, Long> answers = rehearsalAnswers(rehearsed.group(4));
            reporter.publishEntry("rehearsal", rehearsed.group(0) + "; launch to ready " + ready + " ms");
            int sales = Integer.parseInt(rehearsed.group(2));
            assertThat(rehearsed.group(1)).isEqualTo("10000");
            assertThat(sales).isEqualTo(2);
            assertThat(answers).as("every synthetic sale sold out exactly, through the group commit")
                    .containsEntry(201, (long) Rehearsal.UNITS * sales);
            assertThat(answers.keySet()).as("no answer but a sale's: nothing limited, nothing failed")
                    .containsOnly(200, 201, 409);

            assertThat(count("SELECT count(*) FROM products")).as("no product stored").isEqualTo(products);
            assertThat(count("SELECT count(*) FROM products WHERE name = 'rehearsal'")).isZero();
            assertThat(count("SELECT count(*) FROM orders")).as("no order stored").isEqualTo(orders);
            // Units are compared by their orders, not counted: the instance's hold expiry may free
            // the units of holds earlier tests left to lapse, which is its job, not the rehearsal's.
            assertThat(unitHolders()).as("no unit stored").isSubsetOf(holders);
            assertThat(count("SELECT count(*) FROM event_publication")).as("no event for the outbox").isEqualTo(events);
            Set<UUID> known = direct().sql("SELECT id FROM products").query(UUID.class).set();
            Set<UUID> inRedis = redis.keys("fs:{*").stream()
                    .map(key -> UUID.fromString(key.substring(4, 40))).collect(Collectors.toSet());
            assertThat(known).as("no sale state in Redis but real products'").containsAll(inRedis);

            // The rehearsal's pass through the per-address limits ended with it, whatever is presented.
            var replies = answers(1_000, 32, i -> api.post("/api/v1/sale/purchase",
                    "{\"productId\":\"" + UUID.randomUUID() + "\"}", "X-User-Id", "after-" + i, Rehearsal.HEADER, "anything"));
            assertThat(count(replies, "429 RATE_LIMITED")).as("the per-address purchase limit (300 in 10 s) refuses the rest: %s", replies)
                    .isPositive();
            // The rehearsal's requests were checked as addresses of their own: its address's budget is whole.
            assertThat(1_000 - count(replies, "429 RATE_LIMITED")).as("answered before the limit: %s", replies)
                    .isGreaterThanOrEqualTo(300);
        }
    }

    @Test
    void anInstanceThatClosesConnectionsAfterAFewRequestsStillRehearses(TestReporter reporter) throws Exception {
        long orders = count("SELECT count(*) FROM orders");
        int port = freePort();
        try (AppProcess app = AppProcess.start(rehearsing(port, "--flashsale.rehearsal.requests=5000",
                "--server.tomcat.max-keep-alive-requests=3"))) {
            Api api = new Api(port);
            AtomicReference<String> whenReady = new AtomicReference<>();
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                        .until(() -> !app.isAlive() || ready(api, app, new AtomicInteger(), whenReady));
            } catch (ConditionTimeoutException timedOut) {
                // asserted below, with the instance's output
            }
            assertThat(whenReady.get()).as("the instance became ready; its output:\n%s", app.output()).isNotNull();
            Matcher rehearsed = REHEARSED.matcher(whenReady.get());
            assertThat(rehearsed.find()).as("the rehearsal did not stop on a closed connection:\n%s", app.output())
                    .isTrue();
            reporter.publishEntry("rehearsal", rehearsed.group(0));
            assertThat(rehearsed.group(1)).isEqualTo("5000");
            assertThat(rehearsalAnswers(rehearsed.group(4))).containsEntry(201, (long) Rehearsal.UNITS)
                    .containsOnlyKeys(200, 201, 409);
            assertThat(count("SELECT count(*) FROM orders")).as("no order stored").isEqualTo(orders);
        }
    }

    /** A production instance's arguments, rehearsal on and logged, and {@code more}. */
    private String[] rehearsing(int port, String... more) {
        List<String> settings = processArguments(port);
        settings.addAll(List.of(
                "--flashsale.rehearsal.enabled=true",
                "--logging.level.root=WARN",
                "--logging.level.dev.flashsale.api.Rehearsal=INFO"));
        settings.addAll(List.of(more));
        return settings.toArray(String[]::new);
    }

    /**
     * Whether readiness answers 200; if so, keeps the output the instance had written before it was
     * asked, and otherwise counts a refusal (once the port listens).
     */
    private static boolean ready(Api api, AppProcess app, AtomicInteger refused, AtomicReference<String> whenReady) {
        String before = app.output();
        int readiness;
        try {
            readiness = api.get("/actuator/health/readiness").status();
        } catch (IllegalStateException notListeningYet) {
            return false;
        }
        if (readiness == 200) {
            whenReady.set(before);
            return true;
        }
        refused.incrementAndGet();
        return false;
    }

    /** The orders that hold units. */
    private static Set<UUID> unitHolders() {
        return direct().sql("SELECT DISTINCT order_id FROM order_units").query(UUID.class).set();
    }

    private static long count(String sql) {
        return direct().sql(sql).query(Long.class).single();
    }

    /** "{200=750, 201=200, 409=5050}" as a map. */
    private static Map<Integer, Long> rehearsalAnswers(String listed) {
        Map<Integer, Long> answers = new HashMap<>();
        for (String pair : listed.split(",\\s*")) {
            String[] kv = pair.split("=");
            answers.put(Integer.parseInt(kv[0].strip()), Long.parseLong(kv[1].strip()));
        }
        return answers;
    }
}
