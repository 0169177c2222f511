package dev.flashsale.inventory;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.internal.SaleKeys;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** The Lua scripts on a real Redis: the window to the millisecond, units, releases, stock changes. */
class SaleScriptsTest extends IntegrationTest {

    private static final Instant START = Instant.parse("2030-06-01T12:00:00Z");
    private static final Instant END = Instant.parse("2030-06-01T13:00:00Z");

    @Autowired
    Inventory inventory;

    @Autowired
    Catalog catalog;

    @Test
    void theWindowOpensAtItsStartAndIsOverAtItsEndToTheMillisecond() {
        Product p = catalog.load(product(10, 1, START, END)).orElseThrow();

        assertThat(inventory.reserveAt(p, "early", 1, START.minusMillis(1)).outcome()).isEqualTo(ReserveOutcome.NOT_STARTED);
        assertThat(inventory.reserveAt(p, "first", 1, START).outcome()).isEqualTo(ReserveOutcome.RESERVED);
        assertThat(inventory.reserveAt(p, "last", 1, END.minusMillis(1)).outcome()).isEqualTo(ReserveOutcome.RESERVED);
        assertThat(inventory.reserveAt(p, "late", 1, END).outcome()).isEqualTo(ReserveOutcome.ENDED);
        assertThat(redisStock(p.id())).isEqualTo(8);
        assertThat(redisBuyer(p.id(), "early")).isFalse();
        assertThat(redisBuyer(p.id(), "late")).isFalse();
    }

    @Test
    void releasedUnitsAreHandedOutAgainLowestFirst() {
        Product p = live(5, 2);

        Reservation a = reserve(p, "a", 2);   // units 1,2
        Reservation b = reserve(p, "b", 1);   // unit 3
        assertThat(a.units()).containsExactly(1, 2);
        assertThat(b.units()).containsExactly(3);

        assertThat(inventory.release(a, ReleaseReason.NOT_COMMITTED)).isTrue();
        assertThat(redisStock(p.id())).isEqualTo(4);
        assertThat(redisBuyer(p.id(), "a")).isFalse();

        Reservation c = reserve(p, "c", 1);
        assertThat(c.units()).containsExactly(1);
        Reservation d = reserve(p, "d", 2);
        assertThat(d.units()).containsExactly(2, 4);
        assertThat(redisStock(p.id())).isEqualTo(1);
    }

    @Test
    void aReleaseIsIdempotentAndNeverUndoesSomeoneElsesReservation() {
        Product p = live(3, 1);
        Reservation first = reserve(p, "u", 1);
        assertThat(inventory.release(first, ReleaseReason.NOT_COMMITTED)).isTrue();
        assertThat(inventory.release(first, ReleaseReason.NOT_COMMITTED)).isFalse();
        Reservation second = reserve(p, "u", 1);

        // the stale first reservation must not release the user's new one
        assertThat(inventory.release(first, ReleaseReason.NOT_COMMITTED)).isFalse();
        assertThat(redisBuyer(p.id(), "u")).isTrue();
        assertThat(redisStock(p.id())).isEqualTo(2);
        assertThat(second.units()).containsExactly(1);
    }

    @Test
    void aReleaseForAUserWhoAlreadyBoughtKeepsThemABuyerAndReturnsTheUnits() {
        Product p = live(3, 1);
        Reservation r = reserve(p, "u", 1);

        inventory.release(r, ReleaseReason.ALREADY_PURCHASED);

        assertThat(redisBuyer(p.id(), "u")).isTrue();
        assertThat(redisStock(p.id())).isEqualTo(3);
        assertThat(reserve(p, "v", 1).units()).containsExactly(1);
    }

    @Test
    void aReleaseOfUnitsTakenElsewhereNeverHandsThemOutAgain() {
        Product p = live(3, 1);
        Reservation r = reserve(p, "u", 1);

        inventory.release(r, ReleaseReason.UNITS_TAKEN);

        assertThat(redisBuyer(p.id(), "u")).isFalse();
        assertThat(redisStock(p.id())).isEqualTo(2);
        assertThat(reserve(p, "v", 1).units()).containsExactly(2);
    }

    @Test
    void raisingTheStockAddsToTheLiveStockAndLoweringStopsAtWhatIsTaken() {
        Product p = live(5, 1);
        reserve(p, "a", 1);
        reserve(p, "b", 1);
        reserve(p, "c", 1);

        StockChange raised = inventory.changeTotal(p, 8);
        assertThat(raised.changed()).isTrue();
        assertThat(raised.value()).isEqualTo(5);
        assertThat(redisStock(p.id())).isEqualTo(5);

        assertThat(inventory.changeTotal(p, 2).outcome()).isEqualTo(StockChange.Outcome.BELOW_SOLD);
        assertThat(inventory.changeTotal(p, 3).changed()).isTrue();
        assertThat(redisStock(p.id())).isZero();
        assertThat(inventory.reserve(p, "d", 1).outcome()).isEqualTo(ReserveOutcome.SOLD_OUT);
    }

    @Test
    void loweringIsRefusedWhileAUnitAboveTheNewTotalIsTakenAndRetiresFreeOnes() {
        Product p = live(5, 1);
        Reservation a = reserve(p, "a", 1);   // 1
        reserve(p, "b", 1);                   // 2
        Reservation c = reserve(p, "c", 1);   // 3
        inventory.release(a, ReleaseReason.NOT_COMMITTED);

        // units 2 and 3 are taken: the total cannot go below 3 even though only 2 are sold
        StockChange refused = inventory.changeTotal(p, 2);
        assertThat(refused.outcome()).isEqualTo(StockChange.Outcome.UNITS_IN_USE);
        assertThat(refused.value()).isEqualTo(3);

        inventory.release(c, ReleaseReason.NOT_COMMITTED);
        assertThat(inventory.changeTotal(p, 2).changed()).isTrue();
        assertThat(redisStock(p.id())).isEqualTo(1);
        assertThat(reserve(p, "d", 1).units()).containsExactly(1);
        assertThat(inventory.reserve(p, "e", 1).outcome()).isEqualTo(ReserveOutcome.SOLD_OUT);
    }

    @Test
    void anOverLimitOrDuplicateAttemptChangesNothing() {
        Product p = live(5, 2);
        assertThat(inventory.reserve(p, "u", 3).outcome()).isEqualTo(ReserveOutcome.LIMIT_EXCEEDED);
        reserve(p, "u", 2);
        assertThat(inventory.reserve(p, "u", 1).outcome()).isEqualTo(ReserveOutcome.ALREADY_PURCHASED);
        assertThat(redisStock(p.id())).isEqualTo(3);
        assertThat(redisPending(p.id())).isEqualTo(1);
    }

    @Test
    void reservationsConfirmedTogetherLoseExactlyTheirOwnPendingMarks() {
        Product p = live(10, 1);
        Reservation a = reserve(p, "a", 1);
        Reservation b = reserve(p, "b", 1);
        reserve(p, "c", 1);
        Reservation stale = reserve(p, "d", 1);
        inventory.release(stale, ReleaseReason.NOT_COMMITTED);
        reserve(p, "d", 1); // d's new reservation, not the stale one

        inventory.confirm(List.of(a, b, stale));

        // a's and b's marks are gone; c's (not confirmed) and d's new one (not the stale one) stay
        assertThat(redisPending(p.id())).isEqualTo(2);
        assertThat(redis.opsForHash().keys(SaleKeys.of(p.id()).pending())).containsExactlyInAnyOrder("c", "d");
        assertThat(redisBuyer(p.id(), "a")).isTrue();
        assertThat(redisBuyer(p.id(), "b")).isTrue();
        assertThat(redisStock(p.id())).as("confirming gives nothing back").isEqualTo(6);
        // a confirmed buyer is one for good: a later release of the same reservation changes nothing
        assertThat(inventory.release(a, ReleaseReason.NOT_COMMITTED)).isFalse();
        assertThat(redisStock(p.id())).isEqualTo(6);
    }

    private Product live(int total, int limit) {
        UUID id = liveProduct(total, limit);
        return catalog.load(id).orElseThrow();
    }

    private Reservation reserve(Product p, String user, int quantity) {
        ReserveResult result = inventory.reserve(p, user, quantity);
        assertThat(result.outcome()).isEqualTo(ReserveOutcome.RESERVED);
        return ((ReserveResult.Reserved) result).reservation();
    }
}
