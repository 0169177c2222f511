package dev.flashsale.inventory;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** The bot controls in the scripts on a real Redis: address counts through every release mode, tokens spent once. */
class BotControlScriptsTest extends IntegrationTest {

    private static final String IPV6 = "2001:db8::7";

    @Autowired
    Inventory inventory;

    @Autowired
    PurchaseTokens tokens;

    @Autowired
    Catalog catalog;

    private Product capped(int total, int perUserLimit, int perAddressLimit) {
        Instant now = Instant.now();
        return catalog.load(product(total, perUserLimit, now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1)),
                Map.of("perAddressLimit", perAddressLimit))).orElseThrow();
    }

    private Object units(Product p, String address) {
        return redis.opsForHash().get("fs:{" + p.id() + "}:addresses", address);
    }

    @Test
    void anIpv6AddressIsCountedAndEveryReleaseThatUndoesAReservationGivesItsUnitsBack() {
        Product p = capped(10, 2, 3);
        for (ReleaseReason undoing : new ReleaseReason[] {ReleaseReason.NOT_COMMITTED, ReleaseReason.ALREADY_PURCHASED,
                ReleaseReason.UNITS_TAKEN}) {
            ReserveResult reserved = inventory.reserve(p, "u-" + undoing, 2, IPV6, null);
            assertThat(reserved.outcome()).isEqualTo(ReserveOutcome.RESERVED);
            assertThat(((ReserveResult.Reserved) reserved).reservation().pending()).endsWith(":" + IPV6);
            assertThat(units(p, IPV6)).isEqualTo("2");

            assertThat(inventory.release(((ReserveResult.Reserved) reserved).reservation(), undoing)).isTrue();
            assertThat(units(p, IPV6)).as(undoing.name()).isNull();
        }
    }

    @Test
    void aConfirmedReservationKeepsItsUnitsCountedAndTheCapHolds() {
        Product p = capped(10, 2, 3);
        ReserveResult first = inventory.reserve(p, "first", 2, IPV6, null);
        inventory.confirm(((ReserveResult.Reserved) first).reservation());

        ReserveResult second = inventory.reserve(p, "second", 2, IPV6, null);

        assertThat(units(p, IPV6)).isEqualTo("2");
        assertThat(second.outcome()).isEqualTo(ReserveOutcome.ADDRESS_LIMIT_REACHED);
        assertThat(((ReserveResult.OverLimit) second).limit()).isEqualTo(3);
        assertThat(inventory.reserve(p, "second", 1, IPV6, null).outcome()).isEqualTo(ReserveOutcome.RESERVED);
        assertThat(inventory.reserve(p, "third", 1, "192.0.2.1", null).outcome()).isEqualTo(ReserveOutcome.RESERVED);
        assertThat(units(p, IPV6)).isEqualTo("3");
    }

    @Test
    void aStaleReservationTheReconcilerReleasesGivesItsAddressTheUnitsBack() {
        Product p = capped(10, 1, 1);
        Reservation stale = ((ReserveResult.Reserved) inventory.reserve(p, "crashed", 1, IPV6, null)).reservation();

        // what the reconciler does with a reservation whose order never committed
        assertThat(inventory.release(stale, ReleaseReason.NOT_COMMITTED)).isTrue();

        assertThat(units(p, IPV6)).isNull();
        assertThat(inventory.reserve(p, "next", 1, IPV6, null).outcome()).isEqualTo(ReserveOutcome.RESERVED);
    }

    @Test
    void aGatedSaleSpendsATokenOnceAndOnlyForItsUser() {
        Instant now = Instant.now();
        Product p = catalog.load(product(10, 1, now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1)),
                Map.of("gated", true))).orElseThrow();
        String token = tokens.issue(p.id(), "owner", Duration.ofMinutes(1));

        assertThat(inventory.reserve(p, "owner", 1, null, null).outcome()).isEqualTo(ReserveOutcome.PURCHASE_TOKEN_REQUIRED);
        assertThat(inventory.reserve(p, "thief", 1, null, token).outcome()).isEqualTo(ReserveOutcome.PURCHASE_TOKEN_INVALID);
        assertThat(inventory.reserve(p, "owner", 1, null, token).outcome()).isEqualTo(ReserveOutcome.RESERVED);
        assertThat(redis.hasKey("fs:{" + p.id() + "}:token:" + token)).isFalse();
        assertThat(inventory.reserve(p, "owner2", 1, null, token).outcome()).isEqualTo(ReserveOutcome.PURCHASE_TOKEN_INVALID);
        // the ordinary call (an instance whose cache has not seen the gate yet) is refused by the script too
        assertThat(inventory.reserve(p, "plain", 1).outcome()).isEqualTo(ReserveOutcome.PURCHASE_TOKEN_REQUIRED);
        assertThat(redisStock(p.id())).isEqualTo(9);
    }
}
