package dev.flashsale.inventory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.ScheduledJobs;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Units per sale as gauges labelled {@code product} (the product id): available (Redis's live
 * stock, read without side effects: a sale without state in Redis has no value), sold
 * (PostgreSQL's sold counter: committed orders, as the outbox has counted them) and the stock. The difference stock − available − sold is units being paid for right now plus the
 * outbox's lag.
 *
 * <p>Bounded: only sales open now or ended within {@code flashsale.metrics.ended-within} (10 min),
 * at most {@code flashsale.metrics.sales} (20) of them, the most recently opened first; a sale
 * leaving that set loses its series. Computed on a schedule ({@code refresh-interval}, 5 s: one
 * PostgreSQL query and one Redis read), not on a scrape, so a scrape never waits for
 * either store; if one cannot be reached the last values stay. Every instance reports the same
 * values: aggregate with {@code max by (product)}.
 */
@Component
class SaleGauges implements SchedulingConfigurer {

    private static final Logger log = LoggerFactory.getLogger(SaleGauges.class);

    private final Catalog catalog;
    private final Inventory inventory;
    private final Clock clock;
    private final SaleGaugeProperties properties;
    private final ScheduledJobs jobs;
    private final MultiGauge available;
    private final MultiGauge sold;
    private final MultiGauge stock;

    SaleGauges(Catalog catalog, Inventory inventory, Clock clock, SaleGaugeProperties properties, MeterRegistry meters,
               ScheduledJobs jobs) {
        this.catalog = catalog;
        this.jobs = jobs;
        this.inventory = inventory;
        this.clock = clock;
        this.properties = properties;
        this.available = MultiGauge.builder("flashsale.sale.units.available")
                .description("units a sale has left (Redis's live stock), per sale open now or ended a few minutes ago")
                .register(meters);
        this.sold = MultiGauge.builder("flashsale.sale.units.sold")
                .description("units sold in committed orders, as counted through the outbox (PostgreSQL's sold "
                        + "counter), per sale open now or ended a few minutes ago")
                .register(meters);
        this.stock = MultiGauge.builder("flashsale.sale.units.stock")
                .description("units a sale offers in all (its total quantity), per sale open now or ended a few "
                        + "minutes ago")
                .register(meters);
    }

    /** {@link #refresh()} at once, then every {@code refresh-interval}. */
    @Override
    public void configureTasks(ScheduledTaskRegistrar tasks) {
        jobs.fixedDelay(tasks, "sale-gauges", this::refresh, properties.refreshInterval(), Duration.ZERO);
    }

    void refresh() {
        Instant now = clock.instant();
        List<Product> sales;
        Map<UUID, Integer> left;
        try {
            sales = properties.sales() == 0 ? List.of()
                    : catalog.openOrEndedAfter(now, now.minus(properties.endedWithin()), properties.sales());
            left = sales.isEmpty() ? Map.of() : inventory.stockInRedis(sales);
        } catch (RuntimeException e) {
            log.debug("sale gauges not refreshed: {}", e.toString());
            return;
        }
        List<MultiGauge.Row<?>> availableRows = new ArrayList<>();
        List<MultiGauge.Row<?>> soldRows = new ArrayList<>();
        List<MultiGauge.Row<?>> stockRows = new ArrayList<>();
        for (Product sale : sales) {
            Tags product = Tags.of("product", sale.id().toString());
            Integer stockLeft = left.get(sale.id());
            if (stockLeft != null) { // no state in Redis (yet, or any more): no value rather than a wrong one
                availableRows.add(MultiGauge.Row.of(product, stockLeft));
            }
            soldRows.add(MultiGauge.Row.of(product, sale.soldQuantity()));
            stockRows.add(MultiGauge.Row.of(product, sale.totalQuantity()));
        }
        available.register(availableRows, true);
        sold.register(soldRows, true);
        stock.register(stockRows, true);
    }
}
