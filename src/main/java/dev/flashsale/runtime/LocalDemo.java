package dev.flashsale.runtime;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.NewProduct;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.Inventory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Profile;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Local mode's welcome: a live demo sale when none is live or upcoming, and the URLs to open.
 */
@Component
@Profile("local")
class LocalDemo implements ApplicationRunner {

    private final Catalog catalog;
    private final Inventory inventory;
    private final Clock clock;
    private final Environment env;
    private Product demo;

    LocalDemo(Catalog catalog, Inventory inventory, Clock clock, Environment env) {
        this.catalog = catalog;
        this.inventory = inventory;
        this.clock = clock;
        this.env = env;
    }

    @Override
    public void run(ApplicationArguments args) {
        Optional<Product> live = catalog.liveAndUpcoming(1, 0).stream().findFirst();
        if (live.isPresent()) {
            demo = live.get();
            return;
        }
        Instant now = clock.instant();
        demo = catalog.create(new NewProduct("Demo drop: limited sneakers",
                "A demo sale created by local mode: 200 pairs, one per customer.", new BigDecimal("49.99"),
                200, 1, now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(7))));
        inventory.ensureReady(demo);
    }

    @EventListener(ApplicationReadyEvent.class)
    void banner() {
        String base = "http://localhost:" + env.getProperty("local.server.port", "8080");
        String adminKey = env.getProperty("flashsale.security.admin-key", "");
        System.out.println("""

                ==============================================================================
                 Flash sale is running in local mode (embedded PostgreSQL and Redis).
                   Shop         %1$s/   (sign in with any name)
                   Admin        %1$s/admin.html   (admin key: %3$s)
                   API docs     %1$s/api/docs
                   Demo sale    %1$s/sale.html?id=%2$s
                   Its status   %1$s/api/v1/sale/status/%2$s
                   Live sales   %1$s/api/v1/sale/products
                   Buy          curl -X POST %1$s/api/v1/sale/purchase -H 'X-User-Id: alice' \\
                                     -H 'Content-Type: application/json' -d '{"productId":"%2$s"}'
                   Admin API    curl %1$s/api/v1/admin/products -H 'X-Admin-Key: %3$s'
                   Metrics      curl %1$s/actuator/prometheus -H 'X-Admin-Key: %3$s'
                ==============================================================================
                """.formatted(base, demo == null ? "<productId>" : demo.id(), adminKey));
    }
}
