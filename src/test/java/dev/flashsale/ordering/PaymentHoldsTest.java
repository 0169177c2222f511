package dev.flashsale.ordering;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.sql.DataSource;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Payment holds against the real PostgreSQL and Redis, over HTTP: a sale with a payment window
 * sells units that stay taken until paid (completed) or until the deadline passes (expired, the
 * units and the buyer's place back on sale), or until the buyer cancels. Payments come through the
 * provider's webhook, signed here with an HMAC computed by the test itself (not the service's
 * code), with the test profile's secret.
 */
class PaymentHoldsTest extends IntegrationTest {

    /** The test profile's webhook secret (application-test.yaml). */
    private static final String SECRET = Api.WEBHOOK_SECRET;
    private static final String SIGNATURE = "Flashsale-Signature";
    private static final String WEBHOOK = "/api/v1/payments/webhook";

    @Autowired
    private DataSource dataSource;

    // --- 1. the race, payments in time, expiries, resale -------------------------------------------

    @Test
    void aThousandBuyersRaceAHundredHeldUnitsThirtyPayInTimeAndTheSeventyExpiredUnitsAreSoldAgain(TestReporter reporter) {
        // The race must be over before the first hold expires (a unit given back during the race is
        // rightly sold again), and the payers must pay before theirs. A race of 1,000 takes about
        // 1.5 s on a busy two-core machine, even with the purchase and payment paths run once
        // before (a JVM that has just started would spend the window compiling them): a window of
        // 4 s, rather than 2, leaves room for that.
        UUID warmUp = holdSale(50, "PT10M");
        List<Attempt> warm = purchases(warmUp, 300, 100, i -> "hold-warm-up-" + i);
        Api.concurrently(10, 10, i -> pay(orderId(warm.stream().filter(a -> a.reply().status() == 201).toList().get(i)),
                "evt_" + UUID.randomUUID(), "19.99"));
        UUID product = holdSale(100, "PT4S");

        // 1,000 attempts from 900 users (a hundred of them try twice), 200 at a time
        Instant raceStarted = Instant.now();
        List<Attempt> race = purchases(product, 1000, 200, i -> "hold-racer-" + (i % 900));
        Duration raceTook = Duration.between(raceStarted, Instant.now());

        List<Attempt> won = race.stream().filter(a -> a.reply().status() == 201).toList();
        assertThat(won).as(outcomes(race).toString()).hasSize(100);
        assertThat(won.stream().map(Attempt::user).distinct().count()).as("nobody twice").isEqualTo(100);
        assertThat(outcomes(race).keySet()).as(outcomes(race).toString())
                .allMatch(k -> k.equals("201") || k.equals("409 SOLD_OUT") || k.equals("409 ALREADY_PURCHASED"));
        for (Attempt a : won) {
            JsonNode order = a.reply().data();
            assertThat(order.path("status").asString()).isEqualTo("awaiting_payment");
            assertThat(Duration.between(Instant.parse(order.path("purchasedAt").asString()),
                    Instant.parse(order.path("payBy").asString()))).isEqualTo(Duration.ofSeconds(4));
        }
        // the premise of "exactly 100": no hold expired (and gave its unit back) before the race was over
        Instant lastOrder = jdbc.sql("SELECT max(created_at) FROM orders WHERE product_id = ?").param(product)
                .query(Timestamp.class).single().toInstant();
        Instant firstDeadline = jdbc.sql("SELECT min(pay_by) FROM orders WHERE product_id = ?").param(product)
                .query(Timestamp.class).single().toInstant();
        assertThat(lastOrder).as("the race (%s) ended before the first deadline", raceTook).isBefore(firstDeadline);
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE product_id = ? AND status = 'awaiting_payment'")
                .param(product).query(Long.class).single()).isEqualTo(100);
        assertTakenUnitsWithinStock(product, 100);
        assertThat(redisStock(product)).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redisHolds(product)).as("one hold per order in Redis").isEqualTo(100);
            assertThat(redisPending(product)).isZero();
        });
        Map<UUID, List<Integer>> unitsOf = unitsByOrder(product);

        // the 30 winners with the most time left pay, at once, through the signed webhook
        List<Attempt> payers = won.stream()
                .sorted(Comparator.comparing((Attempt a) -> Instant.parse(a.reply().data().path("payBy").asString())).reversed())
                .limit(30).toList();
        List<Api.Reply> receipts = Api.concurrently(payers.size(), payers.size(), i -> pay(orderId(payers.get(i)),
                "evt_" + UUID.randomUUID(), "19.99"));
        for (Api.Reply receipt : receipts) {
            assertThat(receipt.status()).as(receipt.toString()).isEqualTo(200);
            assertThat(receipt.data().path("outcome").asString()).as(receipt.toString()).isEqualTo("paid");
            assertThat(receipt.data().path("replayed").asBoolean()).isFalse();
        }
        Set<UUID> paid = payers.stream().map(PaymentHoldsTest::orderId).collect(Collectors.toSet());
        Set<UUID> unpaid = won.stream().map(PaymentHoldsTest::orderId).filter(id -> !paid.contains(id))
                .collect(Collectors.toSet());
        assertThat(paid.stream().map(this::orderStatus)).containsOnly("completed");

        // the other 70 pass their deadline: expired, their units and their buyers' places back
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(unpaid.stream().map(this::orderStatus)).containsOnly("expired");
            assertThat(redisStock(product)).isEqualTo(70);
            assertThat(redisHolds(product)).isZero();
        });
        assertThat(paid.stream().map(this::orderStatus)).as("a paid order never expires").containsOnly("completed");
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE id = ANY (?::uuid[]) AND updated_at < pay_by")
                .param(ids(unpaid)).query(Long.class).single()).as("none expired before its deadline").isZero();
        assertThat(orderUnits(product)).as("the expired orders' unit rows are gone").isEqualTo(30);
        for (Attempt a : won) {
            assertThat(redisBuyer(product, a.user())).as(a.user()).isEqualTo(paid.contains(orderId(a)));
        }
        JsonNode holds = holdsView(product);
        assertThat(holds.path("outstanding").asLong()).isZero();
        assertThat(holds.path("expiredOrCancelled").asLong()).isEqualTo(70);
        assertThat(holds.path("refundsDue").asLong()).isZero();
        // and the paid units are counted, through the outbox
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode audit = audit(product);
            assertThat(audit.path("allHold").asBoolean()).as(audit.toString()).isTrue();
            assertThat(soldQuantity(product)).isEqualTo(30);
        });

        // the 70 units sell again to the next buyers, and not one more
        List<Attempt> resale = purchases(product, 200, 200, i -> "hold-next-" + i);
        List<Attempt> resold = resale.stream().filter(a -> a.reply().status() == 201).toList();
        assertThat(resold).as(outcomes(resale).toString()).hasSize(70);
        assertThat(outcomes(resale)).containsOnlyKeys("201", "409 SOLD_OUT");
        assertThat(redisStock(product)).isZero();
        Set<Integer> freed = unpaid.stream().flatMap(id -> unitsOf.get(id).stream()).collect(Collectors.toSet());
        Set<Integer> resoldUnits = unitsByOrder(product).entrySet().stream()
                .filter(e -> resold.stream().anyMatch(a -> orderId(a).equals(e.getKey())))
                .flatMap(e -> e.getValue().stream()).collect(Collectors.toSet());
        assertThat(resoldUnits).as("the resold units are the expired orders' units").isEqualTo(freed);
        assertTakenUnitsWithinStock(product, 100);
        JsonNode audit = audit(product);
        assertThat(audit.path("allHold").asBoolean()).as(audit.toString()).isTrue();
        assertThat(audit.path("database").path("awaitingOrders").asLong()).isEqualTo(70);

        // the new buyers cancel: everything converges on the 30 paid units
        List<Api.Reply> cancels = Api.concurrently(resold.size(), resold.size(),
                i -> cancel(orderId(resold.get(i)), resold.get(i).user()));
        assertThat(cancels).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(200));
        assertInvariantsHold(product);
        assertThat(completedQuantity(product)).isEqualTo(30);
        assertThat(soldQuantity(product)).as("sold_quantity counts the paid orders only").isEqualTo(30);
        assertThat(redisStock(product)).isEqualTo(70);
        reporter.publishEntry("race of 1,000 for 100 held units", raceTook.toMillis() + " ms, " + outcomes(race));
    }

    // --- 2. a payment after the deadline --------------------------------------------------------------

    /**
     * The deadline is judged by the payment's own guard, not only by the expiry having run first.
     * The order's row is held with FOR KEY SHARE by another transaction: the expiry (FOR UPDATE SKIP
     * LOCKED) skips it, so the order is certainly still awaiting payment when the payment arrives
     * 10 ms (and the few more a request takes) after its deadline, while the payment's UPDATE (a FOR
     * NO KEY UPDATE lock) is not blocked.
     * A payment arriving before the deadline under the same lock completes its order, so what
     * refuses the late one is the deadline and nothing else.
     */
    @Test
    void aPaymentTenMillisecondsAfterTheDeadlineIsRefusedEvenWhileTheOrderStillAwaitsPayment() throws Exception {
        UUID product = holdSale(3, "PT2S");
        UUID onTime = orderId(purchase(product, "guard-on-time"));
        UUID late = orderId(purchase(product, "guard-late"));

        try (Connection lock = dataSource.getConnection()) {
            lock.setAutoCommit(false);
            keyShare(lock, onTime);
            keyShare(lock, late);

            Api.Reply inTime = pay(onTime, "evt_" + UUID.randomUUID(), "19.99");
            assertThat(inTime.data().path("outcome").asString()).as(inTime.toString()).isEqualTo("paid");

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                    .until(() -> jdbc.sql("""
                            SELECT clock_timestamp() >= pay_by + interval '10 milliseconds' FROM orders WHERE id = ?""")
                            .param(late).query(Boolean.class).single());
            String event = "evt_" + UUID.randomUUID();
            Api.Reply refused = pay(late, event, "19.99");

            assertThat(refused.status()).as(refused.toString()).isEqualTo(200);
            assertThat(refused.data().path("outcome").asString()).as(refused.toString()).isEqualTo("late");
            // the expiry could not have run: the row is still held, and still awaiting payment
            assertThat(orderStatus(late)).isEqualTo("awaiting_payment");
            Map<String, Object> recorded = jdbc.sql("""
                    SELECT e.outcome, e.reason, e.received_at - o.pay_by >= interval '10 milliseconds' AS after_deadline
                    FROM payment_events e JOIN orders o ON o.id = e.order_id WHERE e.event_id = ?""")
                    .param(event).query().singleRow();
            assertThat(recorded).containsEntry("outcome", "refund").containsEntry("reason", "late")
                    .containsEntry("after_deadline", true);
            lock.commit();
        }
        // released, the late order expires and its unit goes back; it never completes
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(orderStatus(late)).isEqualTo("expired");
            assertThat(redisStock(product)).isEqualTo(2);
        });
        assertThat(orderStatus(onTime)).isEqualTo("completed");
        assertThat(refundReasons(late)).containsExactly("late");
        assertThat(jdbc.sql("SELECT count(*) FROM payment_events WHERE order_id = ? AND outcome = 'paid'")
                .param(late).query(Long.class).single()).isZero();
        JsonNode refunds = holdsView(product).path("latestRefunds");
        assertThat(refunds.size()).as(refunds.toString()).isEqualTo(1);
        assertThat(refunds.get(0).path("orderId").asString()).isEqualTo(late.toString());
        assertThat(refunds.get(0).path("reason").asString()).isEqualTo("late");
        assertInvariantsHold(product);
    }

    @Test
    void aPaymentAfterTheOrderExpiredIsRecordedAsARefundAndTheUnitStaysOnSale() {
        UUID product = holdSale(2, "PT1S");
        UUID order = orderId(purchase(product, "expired-payer"));
        await().atMost(Duration.ofSeconds(10)).until(() -> orderStatus(order).equals("expired"));
        await().atMost(Duration.ofSeconds(5)).until(() -> redisStock(product) == 2);

        String event = "evt_" + UUID.randomUUID();
        Api.Reply late = pay(order, event, "19.99");

        assertThat(late.status()).as(late.toString()).isEqualTo(200);
        assertThat(late.data().path("outcome").asString()).isEqualTo("late");
        assertThat(orderStatus(order)).isEqualTo("expired");
        assertThat(refundReasons(order)).containsExactly("late");
        assertThat(redisStock(product)).as("the late payment takes no unit").isEqualTo(2);
        assertThat(redisBuyer(product, "expired-payer")).isFalse();
        JsonNode holds = holdsView(product);
        assertThat(holds.path("refundsDue").asLong()).isEqualTo(1);
        assertThat(holds.path("latestRefunds").get(0).path("reason").asString()).isEqualTo("late");
        // its buyer may buy again, like anyone
        assertThat(purchase(product, "expired-payer").status()).isEqualTo(201);
        JsonNode audit = audit(product);
        assertThat(audit.path("allHold").asBoolean()).as(audit.toString()).isTrue();
    }

    // --- 3. replays and forgeries -----------------------------------------------------------------------

    @Test
    void aThousandReplaysOfAPaymentAndForgedSignaturesChangeNothing() {
        UUID product = holdSale(5, "PT10M");
        UUID order = orderId(purchase(product, "replayed-payer"));
        UUID other = orderId(purchase(product, "forged-for"));
        String event = "evt_" + UUID.randomUUID();
        String body = "{\"id\":\"" + event + "\",\"type\":\"payment.succeeded\",\"orderId\":\"" + order + "\",\"amount\":19.99}";
        String signature = Api.webhookSignature(SECRET, Instant.now().getEpochSecond(), body);

        // the first delivery and 999 copies of it, at once (100 connections)
        List<Api.Reply> atOnce = Api.concurrently(1000, 100, i -> api.post(WEBHOOK, body, SIGNATURE, signature));
        assertThat(atOnce).allSatisfy(r -> {
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.data().path("outcome").asString()).isEqualTo("paid");
            assertThat(r.data().path("eventId").asString()).isEqualTo(event);
        });
        assertThat(atOnce.stream().filter(r -> !r.data().path("replayed").asBoolean()).count())
                .as("one delivery applied, the others answered as replays").isEqualTo(1);
        // then 1,000 more, one after another
        for (int i = 0; i < 1000; i++) {
            Api.Reply again = api.post(WEBHOOK, body, SIGNATURE, signature);
            assertThat(again.status()).as(again.toString()).isEqualTo(200);
            assertThat(again.data().path("replayed").asBoolean()).as(again.toString()).isTrue();
            assertThat(again.data().path("outcome").asString()).isEqualTo("paid");
        }

        assertThat(jdbc.sql("SELECT outcome FROM payment_events WHERE order_id = ?").param(order).query(String.class).list())
                .containsExactly("paid");
        assertThat(orderStatus(order)).isEqualTo("completed");
        assertThat(jdbc.sql("""
                SELECT count(*) = count(DISTINCT listener_id) AND count(*) > 0 FROM event_publication
                WHERE serialized_event LIKE ?""").param("%" + order + "%").query(Boolean.class).single())
                .as("one OrderPlaced per listener").isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() -> soldQuantity(product) == 1);

        // forgeries, for the other order, which awaits payment: a forged payment would complete it
        long now = Instant.now().getEpochSecond();
        List<String> forgedIds = new ArrayList<>();
        Map<String, Api.Reply> forged = new LinkedHashMap<>();
        Function<String, String> paying = id -> {
            forgedIds.add(id);
            return "{\"id\":\"" + id + "\",\"type\":\"payment.succeeded\",\"orderId\":\"" + other + "\",\"amount\":19.99}";
        };
        String wrongSecret = paying.apply("evt_forged_" + UUID.randomUUID());
        forged.put("wrong secret", api.post(WEBHOOK, wrongSecret, SIGNATURE, Api.webhookSignature("not-the-webhook-secret", now, wrongSecret)));
        String signedBody = paying.apply("evt_forged_" + UUID.randomUUID());
        String tampered = signedBody.replace("19.99", "0.01");
        forged.put("tampered body", api.post(WEBHOOK, tampered, SIGNATURE, Api.webhookSignature(SECRET, now, signedBody)));
        String tamperedOrder = body.replace(order.toString(), other.toString());
        forgedIds.add(event);
        forged.put("a paid event's signature on another order", api.post(WEBHOOK, tamperedOrder, SIGNATURE, signature));
        String old = paying.apply("evt_forged_" + UUID.randomUUID());
        forged.put("timestamp 301 s old", api.post(WEBHOOK, old, SIGNATURE, Api.webhookSignature(SECRET, now - 301, old)));
        String future = paying.apply("evt_forged_" + UUID.randomUUID());
        forged.put("timestamp 301 s ahead", api.post(WEBHOOK, future, SIGNATURE, Api.webhookSignature(SECRET, now + 301, future)));
        String unsigned = paying.apply("evt_forged_" + UUID.randomUUID());
        forged.put("no signature", api.post(WEBHOOK, unsigned));
        String otherTime = paying.apply("evt_forged_" + UUID.randomUUID());
        forged.put("signature of another timestamp", api.post(WEBHOOK, otherTime, SIGNATURE,
                "t=" + (now - 1) + "," + Api.webhookSignature(SECRET, now, otherTime).split(",")[1]));
        String noTime = paying.apply("evt_forged_" + UUID.randomUUID());
        forged.put("no timestamp", api.post(WEBHOOK, noTime, SIGNATURE, Api.webhookSignature(SECRET, now, noTime).split(",")[1]));
        String notHex = paying.apply("evt_forged_" + UUID.randomUUID());
        forged.put("signature not hex", api.post(WEBHOOK, notHex, SIGNATURE, "t=" + now + ",v1=" + "z".repeat(64)));
        forged.put("a replay with a wrong signature", api.post(WEBHOOK, body, SIGNATURE,
                Api.webhookSignature("not-the-webhook-secret", now, body)));

        forged.forEach((what, reply) -> {
            assertThat(reply.status()).as(what + ": " + reply).isEqualTo(401);
            assertThat(reply.code()).as(what).isEqualTo("WEBHOOK_SIGNATURE_INVALID");
        });
        assertThat(jdbc.sql("SELECT count(*) FROM payment_events WHERE order_id = ?").param(other).query(Long.class).single())
                .as("nothing recorded for the forged payments").isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM payment_events WHERE event_id = ANY (?::varchar[]) AND order_id <> ?")
                .params(forgedIds.toArray(String[]::new), order).query(Long.class).single()).isZero();
        assertThat(orderStatus(other)).isEqualTo("awaiting_payment");
        assertThat(jdbc.sql("SELECT count(*) FROM payment_events WHERE order_id = ?").param(order).query(Long.class).single())
                .isEqualTo(1);
        assertThat(orderStatus(order)).isEqualTo("completed");
        assertThat(completedQuantity(product)).isEqualTo(1);
        assertThat(soldQuantity(product)).as("counted once").isEqualTo(1);
        JsonNode audit = audit(product);
        assertThat(audit.path("allHold").asBoolean()).as(audit.toString()).isTrue();
    }

    // --- 4. the buyer cancels -------------------------------------------------------------------------

    @Test
    void aBuyerWhoCancelsGivesTheUnitBackAtOnceAndOnlyTheirOwnAwaitingOrderCanBeCancelled() {
        UUID product = holdSale(1, "PT10M");
        UUID alices = orderId(purchase(product, "alice-cancels"));
        assertThat(purchase(product, "bob-waits").code()).isEqualTo("SOLD_OUT");

        Api.Reply notHers = cancel(alices, "mallory");
        assertThat(notHers.status()).as(notHers.toString()).isEqualTo(404);
        assertThat(notHers.code()).isEqualTo("ORDER_NOT_FOUND");
        assertThat(cancel(UUID.randomUUID(), "alice-cancels").code()).isEqualTo("ORDER_NOT_FOUND");
        assertThat(orderStatus(alices)).isEqualTo("awaiting_payment");
        assertThat(redisStock(product)).isZero();

        Api.Reply cancelled = cancel(alices, "alice-cancels");

        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(cancelled.data().path("status").asString()).isEqualTo("cancelled");
        // at once: no waiting for a deadline or a background job
        assertThat(orderStatus(alices)).isEqualTo("cancelled");
        assertThat(redisStock(product)).isEqualTo(1);
        assertThat(redisHolds(product)).isZero();
        assertThat(redisBuyer(product, "alice-cancels")).isFalse();
        assertThat(orderUnits(product)).isZero();
        Api.Reply bobs = purchase(product, "bob-waits");
        assertThat(bobs.status()).as(bobs.toString()).isEqualTo(201);
        assertThat(jdbc.sql("SELECT unit_no FROM order_units WHERE order_id = ?").param(orderId(bobs))
                .query(Integer.class).list()).containsExactly(1);

        Api.Reply twice = cancel(alices, "alice-cancels");
        assertThat(twice.status()).as(twice.toString()).isEqualTo(409);
        assertThat(twice.code()).isEqualTo("ORDER_NOT_AWAITING_PAYMENT");
        // her payment arriving after all is a refund; the order stays cancelled, Bob keeps the unit
        assertThat(pay(alices, "evt_" + UUID.randomUUID(), "19.99").data().path("outcome").asString()).isEqualTo("cancelled");
        assertThat(refundReasons(alices)).containsExactly("cancelled");
        assertThat(orderStatus(alices)).isEqualTo("cancelled");

        assertThat(pay(orderId(bobs), "evt_" + UUID.randomUUID(), "19.99").data().path("outcome").asString()).isEqualTo("paid");
        Api.Reply completed = cancel(orderId(bobs), "bob-waits");
        assertThat(completed.status()).as(completed.toString()).isEqualTo(409);
        assertThat(completed.code()).isEqualTo("ORDER_NOT_AWAITING_PAYMENT");
        assertThat(orderStatus(orderId(bobs))).isEqualTo("completed");

        // an order of a sale without a payment window is complete at once: not cancellable either
        UUID plain = liveProduct(1, 1);
        Api.Reply bought = purchase(plain, "plain-buyer");
        assertThat(bought.data().path("status").asString()).isEqualTo("completed");
        assertThat(bought.data().path("payBy").isNull()).isTrue();
        assertThat(cancel(orderId(bought), "plain-buyer").code()).isEqualTo("ORDER_NOT_AWAITING_PAYMENT");

        assertInvariantsHold(product);
        assertInvariantsHold(plain);
        assertThat(holdsView(product).path("expiredOrCancelled").asLong()).isEqualTo(1);
    }

    @Test
    void aPaymentOfAnotherAmountIsARefundAndTheOrderStillAwaitsItsPayment() {
        UUID product = holdSale(1, "PT10M");
        UUID order = orderId(purchase(product, "short-payer"));

        Api.Reply wrong = pay(order, "evt_" + UUID.randomUUID(), "19.98");
        assertThat(wrong.data().path("outcome").asString()).as(wrong.toString()).isEqualTo("amount_mismatch");
        assertThat(orderStatus(order)).isEqualTo("awaiting_payment");
        assertThat(refundReasons(order)).containsExactly("amount_mismatch");

        Api.Reply right = pay(order, "evt_" + UUID.randomUUID(), "19.99");
        assertThat(right.data().path("outcome").asString()).as(right.toString()).isEqualTo("paid");
        // a second payment of the paid order is money to give back too
        Api.Reply twice = pay(order, "evt_" + UUID.randomUUID(), "19.99");
        assertThat(twice.data().path("outcome").asString()).as(twice.toString()).isEqualTo("already_paid");
        assertThat(orderStatus(order)).isEqualTo("completed");
        assertThat(refundReasons(order)).containsExactlyInAnyOrder("amount_mismatch", "already_paid");
        assertInvariantsHold(product);
    }

    @Test
    void theDemoPaymentPaysOnlyTheCallersOwnOrderThroughTheWebhooksPath() {
        UUID product = holdSale(2, "PT10M");
        UUID order = orderId(purchase(product, "demo-payer"));

        Api.Reply notHers = api.post("/api/v1/sale/user/orders/" + order + "/demo-payment", "", Api.user("demo-other"));
        assertThat(notHers.status()).as(notHers.toString()).isEqualTo(404);
        assertThat(notHers.code()).isEqualTo("ORDER_NOT_FOUND");
        assertThat(orderStatus(order)).isEqualTo("awaiting_payment");

        Api.Reply paid = api.post("/api/v1/sale/user/orders/" + order + "/demo-payment", "", Api.user("demo-payer"));
        assertThat(paid.status()).as(paid.toString()).isEqualTo(200);
        assertThat(paid.data().path("outcome").asString()).isEqualTo("paid");
        assertThat(orderStatus(order)).isEqualTo("completed");
        assertThat(jdbc.sql("SELECT outcome FROM payment_events WHERE order_id = ?").param(order).query(String.class).list())
                .containsExactly("paid");
        assertInvariantsHold(product);
    }

    // --- 5. bad input ----------------------------------------------------------------------------------

    static Stream<Arguments> badWindows() {
        return Stream.of(
                Arguments.of("PT0S", "\"PT0S\""),
                Arguments.of("PT25H", "\"PT25H\""),
                Arguments.of("PT24H1S", "\"PT24H1S\""),
                Arguments.of("PT1.5S", "\"PT1.5S\""),
                Arguments.of("-PT5S", "\"-PT5S\""),
                Arguments.of("10m", "\"10m\""),
                Arguments.of("empty", "\"\""),
                Arguments.of("600, a number", "600"),
                Arguments.of("an object", "{}"));
    }

    @ParameterizedTest(name = "holdFor {0}")
    @MethodSource("badWindows")
    void aPaymentWindowThatIsNotOneIsRefusedAndNothingIsCreatedOrChanged(String what, String json) {
        String name = "bad window " + UUID.randomUUID();

        Api.Reply created = api.post("/api/v1/admin/products", "{\"name\":\"" + name + "\",\"price\":5,\"totalQuantity\":3,"
                + "\"holdFor\":" + json + "}", Api.admin());

        assertThat(created.status()).as(created.toString()).isEqualTo(400);
        assertThat(created.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(jdbc.sql("SELECT count(*) FROM products WHERE name = ?").param(name).query(Long.class).single()).isZero();

        UUID product = holdSale(3, "PT10M");
        Api.Reply changed = api.patch("/api/v1/admin/products/" + product, "{\"holdFor\":" + json + "}", Api.admin());

        assertThat(changed.status()).as(changed.toString()).isEqualTo(400);
        assertThat(changed.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(jdbc.sql("SELECT hold_seconds FROM products WHERE id = ?").param(product).query(Integer.class).single())
                .isEqualTo(600);
    }

    @Test
    void theWindowsBoundsAreAcceptedAndNullSwitchesTheWindowOff() {
        UUID shortest = holdSale(1, "PT1S");
        UUID longest = holdSale(1, "PT24H");
        assertThat(jdbc.sql("SELECT hold_seconds FROM products WHERE id = ANY (?::uuid[]) ORDER BY hold_seconds")
                .param(ids(Set.of(shortest, longest))).query(Integer.class).list()).containsExactly(1, 86_400);

        // the sale was never read before, so no cache serves its earlier definition to the purchase
        Api.Reply off = api.patch("/api/v1/admin/products/" + longest, "{\"holdFor\":null}", Api.admin());
        assertThat(off.status()).as(off.toString()).isEqualTo(200);
        assertThat(off.data().path("holdFor").isNull()).isTrue();
        Api.Reply bought = purchase(longest, "window-off");
        assertThat(bought.data().path("status").asString()).as(bought.toString()).isEqualTo("completed");
        assertThat(bought.data().path("payBy").isNull()).isTrue();
    }

    /** A payment.succeeded event paying this amount (as JSON), of the placeholders {{event}} and {{order}}. */
    private static String eventPaying(String amount) {
        return "{\"id\":\"{{event}}\",\"type\":\"payment.succeeded\",\"orderId\":\"{{order}}\",\"amount\":" + amount + "}";
    }

    static Stream<Arguments> badEvents() {
        String paid = eventPaying("19.99");
        return Stream.of(
                Arguments.of("malformed JSON", paid.substring(0, paid.indexOf("19.99")), "MALFORMED_REQUEST"),
                Arguments.of("not JSON", "id={{event}}&orderId={{order}}", "MALFORMED_REQUEST"),
                Arguments.of("a JSON array", "[\"{{event}}\",\"{{order}}\"]", "MALFORMED_REQUEST"),
                Arguments.of("no id", paid.replace("\"id\":\"{{event}}\",", ""), "VALIDATION_FAILED"),
                Arguments.of("orderId not a UUID", paid.replace("{{order}}", "{{order}}x"), "VALIDATION_FAILED"),
                Arguments.of("negative amount", eventPaying("-19.99"), "VALIDATION_FAILED"),
                Arguments.of("amount as text", eventPaying("\"19.99\""), "MALFORMED_REQUEST"),
                Arguments.of("three decimals", eventPaying("19.999"), "VALIDATION_FAILED"),
                Arguments.of("amount text with a space", eventPaying("\" 19.99\""), "MALFORMED_REQUEST"),
                Arguments.of("amount text with an exponent", eventPaying("\"1999e-2\""), "MALFORMED_REQUEST"),
                Arguments.of("amount true", eventPaying("true"), "MALFORMED_REQUEST"));
    }

    /** Signed correctly, so that it gets past the signature to the parsing. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badEvents")
    void aSignedWebhookThatIsNotAPaymentEventIsRefusedAndNothingIsRecorded(String what, String template, String code) {
        UUID product = holdSale(1, "PT10M");
        UUID order = orderId(purchase(product, "bad-event-buyer"));
        String event = "evt_bad_" + UUID.randomUUID();
        String body = template.replace("{{event}}", event).replace("{{order}}", order.toString());
        long before = jdbc.sql("SELECT count(*) FROM payment_events").query(Long.class).single();

        Api.Reply reply = api.post(WEBHOOK, body, SIGNATURE, Api.webhookSignature(SECRET, Instant.now().getEpochSecond(), body));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
        assertThat(reply.code()).as(reply.toString()).isEqualTo(code);
        assertThat(jdbc.sql("SELECT count(*) FROM payment_events WHERE event_id = ? OR order_id = ?").params(event, order)
                .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM payment_events").query(Long.class).single()).isEqualTo(before);
        assertThat(orderStatus(order)).isEqualTo("awaiting_payment");
    }

    @Test
    void aPaymentForAnUnknownOrderIsNotFoundAndNothingIsRecorded() {
        String event = "evt_" + UUID.randomUUID();

        Api.Reply reply = pay(UUID.randomUUID(), event, "19.99");

        assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
        assertThat(reply.code()).isEqualTo("ORDER_NOT_FOUND");
        assertThat(jdbc.sql("SELECT count(*) FROM payment_events WHERE event_id = ?").param(event).query(Long.class).single())
                .isZero();
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private record Attempt(String user, Api.Reply reply) {
    }

    /** A live sale of one unit per user, price 19.99, with this payment window. */
    private UUID holdSale(int total, String holdFor) {
        Instant now = Instant.now();
        return product(total, 1, now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1)), Map.of("holdFor", holdFor));
    }

    private Api.Reply purchase(UUID product, String user) {
        return buy(product, user);
    }

    private static UUID orderId(Api.Reply reply) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        return UUID.fromString(reply.data().path("orderId").asString());
    }

    private static UUID orderId(Attempt attempt) {
        return orderId(attempt.reply());
    }

    private List<Attempt> purchases(UUID product, int n, int concurrency, IntFunction<String> userOf) {
        List<Api.Reply> replies = Api.concurrently(n, concurrency, i -> buy(product, userOf.apply(i)));
        List<Attempt> attempts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            attempts.add(new Attempt(userOf.apply(i), replies.get(i)));
        }
        return attempts;
    }

    private static Map<String, Long> outcomes(List<Attempt> attempts) {
        return attempts.stream().collect(Collectors.groupingBy(
                a -> a.reply().status() == 201 ? "201" : a.reply().status() + " " + a.reply().code(),
                LinkedHashMap::new, Collectors.counting()));
    }

    /** A payment.succeeded event for the order, signed now with the webhook secret. */
    private Api.Reply pay(UUID order, String event, String amount) {
        String body = "{\"id\":\"" + event + "\",\"type\":\"payment.succeeded\",\"orderId\":\"" + order
                + "\",\"amount\":" + amount + "}";
        return api.post(WEBHOOK, body, SIGNATURE, Api.webhookSignature(SECRET, Instant.now().getEpochSecond(), body));
    }

    private Api.Reply cancel(UUID order, String user) {
        return api.post("/api/v1/sale/user/orders/" + order + "/cancel", "", Api.user(user));
    }

    private JsonNode holdsView(UUID product) {
        Api.Reply reply = api.get("/api/v1/admin/holds?productId=" + product, Api.admin());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.data();
    }

    private String orderStatus(UUID order) {
        return jdbc.sql("SELECT status FROM orders WHERE id = ?").param(order).query(String.class).single();
    }

    private List<String> refundReasons(UUID order) {
        return jdbc.sql("SELECT reason FROM payment_events WHERE order_id = ? AND outcome = 'refund'")
                .param(order).query(String.class).list();
    }

    private long redisHolds(UUID product) {
        return redis.opsForHash().size("fs:{" + product + "}:holds");
    }

    private Map<UUID, List<Integer>> unitsByOrder(UUID product) {
        Map<UUID, List<Integer>> units = new LinkedHashMap<>();
        jdbc.sql("SELECT order_id, unit_no FROM order_units WHERE product_id = ? ORDER BY unit_no").param(product)
                .query((ResultSet rs) -> {
                    units.computeIfAbsent(rs.getObject("order_id", UUID.class), k -> new ArrayList<>()).add(rs.getInt("unit_no"));
                });
        return units;
    }

    /** I1 over every order that holds units (completed or awaiting payment): within the stock, no unit twice. */
    private void assertTakenUnitsWithinStock(UUID product, int expectedTaken) {
        Map<String, Object> taken = jdbc.sql("""
                SELECT (SELECT coalesce(sum(quantity), 0) FROM orders
                        WHERE product_id = :p AND status IN ('completed', 'awaiting_payment')) AS quantity,
                       (SELECT count(*) FROM order_units WHERE product_id = :p) AS units,
                       (SELECT count(DISTINCT unit_no) FROM order_units WHERE product_id = :p) AS distinct_units,
                       (SELECT count(*) FROM order_units u JOIN orders o ON o.id = u.order_id
                        WHERE u.product_id = :p AND o.status NOT IN ('completed', 'awaiting_payment')) AS units_of_settled,
                       (SELECT total_quantity FROM products WHERE id = :p) AS total""")
                .param("p", product).query().singleRow();
        long quantity = ((Number) taken.get("quantity")).longValue();
        assertThat(quantity).as("I1 taken units").isEqualTo(expectedTaken)
                .isLessThanOrEqualTo(((Number) taken.get("total")).longValue());
        assertThat(((Number) taken.get("units")).longValue()).as("I1 one unit row per unit taken").isEqualTo(quantity);
        assertThat(((Number) taken.get("distinct_units")).longValue()).as("I1 no unit twice").isEqualTo(quantity);
        assertThat(((Number) taken.get("units_of_settled")).longValue()).as("no unit row of an expired order").isZero();
        assertThat(jdbc.sql("""
                SELECT count(*) - count(DISTINCT user_id) FROM orders
                WHERE product_id = ? AND status IN ('completed', 'awaiting_payment')""")
                .param(product).query(Long.class).single()).as("I2 one order per user").isZero();
    }

    private static void keyShare(Connection connection, UUID order) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement("SELECT id FROM orders WHERE id = ? FOR KEY SHARE")) {
            statement.setObject(1, order);
            try (ResultSet rs = statement.executeQuery()) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    private static String[] ids(Set<UUID> ids) {
        return ids.stream().map(UUID::toString).toArray(String[]::new);
    }
}
