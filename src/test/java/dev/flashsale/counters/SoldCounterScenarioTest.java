package dev.flashsale.counters;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.NewProduct;
import dev.flashsale.catalog.Product;
import dev.flashsale.ordering.OrderPlaced;
import dev.flashsale.ordering.OrdersPlaced;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.modulith.test.ApplicationModuleTest;
import org.springframework.modulith.test.Scenario;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The counters module on its own (with the catalog whose products it counts): orders placed,
 * published in a transaction, reach the sold counter after the commit through the outbox, and
 * each order counts once.
 */
@ApplicationModuleTest(extraIncludes = "catalog")
@ActiveProfiles("test")
@TestPropertySource(properties = "spring.datasource.hikari.maximum-pool-size=5")
class SoldCounterScenarioTest {

    @Autowired
    Catalog catalog;

    @Autowired
    SoldCounter counter;

    @Test
    void ordersPlacedRaiseTheSoldQuantityOnceEach(Scenario scenario) {
        Instant now = Instant.now();
        Product product = catalog.create(new NewProduct("Scenario " + UUID.randomUUID(), null, BigDecimal.TEN, 10, 3,
                now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1))));
        OrderPlaced first = placed(product, 2);
        OrderPlaced second = placed(product, 1);

        scenario.publish(new OrdersPlaced(List.of(first, second, first)))
                .andWaitAtMost(Duration.ofSeconds(10))
                .andWaitForStateChange(() -> catalog.load(product.id()).orElseThrow().soldQuantity(), sold -> sold > 0)
                .andVerify(sold -> {
                    assertThat(sold).as("sold_quantity").isEqualTo(3);
                    assertThat(counter.countedQuantity(product.id())).as("the ledger").isEqualTo(3);
                });
    }

    private static OrderPlaced placed(Product product, int quantity) {
        return new OrderPlaced(UUID.randomUUID(), product.id(), "user-" + UUID.randomUUID(), quantity, product.price(),
                Instant.now());
    }
}
