package dev.flashsale.ordering;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.inventory.ReleaseReason;
import dev.flashsale.inventory.Reservation;
import dev.flashsale.inventory.ReserveResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The purchase use case: reserve in Redis (one script), then commit the order and its OrderPlaced
 * event in one PostgreSQL transaction, then drop the pending mark.
 *
 * <p>Contract: a {@link PurchaseResult.Purchased} is returned only after the commit (I3). If the
 * order does not commit, the reservation is released before the exception leaves this class; if
 * the release itself cannot reach Redis, the pending mark stays for the reconciler (I4). If the
 * database refuses the order as a duplicate or a unit already sold, Redis was wrong: the
 * reservation is released accordingly and the attempt is rejected, never failed.
 */
@Service
public class Purchases {

    private static final Logger log = LoggerFactory.getLogger(Purchases.class);
    private static final TimeBasedEpochGenerator IDS = Generators.timeBasedEpochGenerator();

    private final Catalog catalog;
    private final Inventory inventory;
    private final Orders orders;
    private final TransactionTemplate transaction;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final JsonMapper json;
    private final Counter purchased;
    private final Map<PurchaseRejection, Counter> rejected = new EnumMap<>(PurchaseRejection.class);

    Purchases(Catalog catalog, Inventory inventory, Orders orders, TransactionTemplate transaction,
              ApplicationEventPublisher events, Clock clock, JsonMapper json, MeterRegistry meters) {
        this.catalog = catalog;
        this.inventory = inventory;
        this.orders = orders;
        this.transaction = transaction;
        this.events = events;
        this.clock = clock;
        this.json = json;
        this.purchased = meters.counter("flashsale.purchases", "outcome", "purchased");
        for (PurchaseRejection reason : PurchaseRejection.values()) {
            rejected.put(reason, meters.counter("flashsale.purchases", "outcome", reason.name().toLowerCase()));
        }
    }

    public PurchaseResult purchase(PurchaseRequest request) {
        Product product = catalog.find(request.productId()).orElse(null);
        if (product == null) {
            return reject(PurchaseRejection.PRODUCT_NOT_FOUND, "Product not found");
        }
        if (request.quantity() > product.perUserLimit()) {
            return reject(PurchaseRejection.QUANTITY_ABOVE_LIMIT, limitMessage(product.perUserLimit()));
        }
        ReserveResult reserved = inventory.reserve(product, request.userId(), request.quantity());
        Reservation reservation = reserved.reservation();
        if (reservation == null) {
            return switch (reserved.outcome()) {
                case NOT_STARTED -> reject(PurchaseRejection.SALE_NOT_STARTED, "The sale has not started yet");
                case ENDED -> reject(PurchaseRejection.SALE_ENDED, "The sale has ended");
                case LIMIT_EXCEEDED -> reject(PurchaseRejection.QUANTITY_ABOVE_LIMIT, limitMessage(reserved.limit()));
                case ALREADY_PURCHASED -> reject(PurchaseRejection.ALREADY_PURCHASED, "You have already purchased this item");
                case SOLD_OUT -> reject(PurchaseRejection.SOLD_OUT, "Sold out");
                case INSUFFICIENT_STOCK -> reject(PurchaseRejection.INSUFFICIENT_STOCK,
                        "Only " + reserved.stockLeft() + " left");
                case RESERVED -> throw new IllegalStateException("reserved without a reservation");
            };
        }

        Order order = new Order(IDS.generate(), request.userId(), product.id(), request.quantity(), product.price(),
                "completed", clock.instant().truncatedTo(ChronoUnit.MICROS));
        try {
            transaction.executeWithoutResult(status -> {
                orders.insertCompleted(order, reservation.units(), metadataJson(request));
                events.publishEvent(new OrderPlaced(order.id(), order.productId(), order.userId(), order.quantity(),
                        order.unitPrice(), order.createdAt()));
            });
        } catch (DataIntegrityViolationException refused) {
            return refusedByDatabase(reservation, refused);
        } catch (RuntimeException notCommitted) {
            releaseQuietly(reservation, ReleaseReason.NOT_COMMITTED);
            throw notCommitted;
        }
        try {
            inventory.confirm(reservation);
        } catch (RuntimeException e) {
            // The order is committed; a pending mark left behind is cleared by the reconciler.
            log.warn("confirm failed, pending mark stays product={} user={}: {}", product.id(), request.userId(), e.toString());
        }
        purchased.increment();
        return new PurchaseResult.Purchased(order);
    }

    private PurchaseResult refusedByDatabase(Reservation reservation, DataIntegrityViolationException refused) {
        String constraint = constraintOf(refused);
        log.warn("database refused a reservation Redis granted product={} user={} units={} constraint={}",
                reservation.productId(), reservation.userId(), reservation.units(), constraint);
        switch (constraint) {
            case "orders_one_completed_per_user" -> {
                releaseQuietly(reservation, ReleaseReason.ALREADY_PURCHASED);
                return reject(PurchaseRejection.ALREADY_PURCHASED, "You have already purchased this item");
            }
            case "orders_within_user_limit" -> {
                releaseQuietly(reservation, ReleaseReason.NOT_COMMITTED);
                return reject(PurchaseRejection.QUANTITY_ABOVE_LIMIT, "The quantity is above the per-customer limit");
            }
            case "order_units_pkey", "order_units_within_stock" -> {
                releaseQuietly(reservation, ReleaseReason.UNITS_TAKEN);
                return reject(PurchaseRejection.INVENTORY_CONFLICT,
                        "This unit was just taken; please try again");
            }
            default -> {
                releaseQuietly(reservation, ReleaseReason.NOT_COMMITTED);
                throw refused;
            }
        }
    }

    private void releaseQuietly(Reservation reservation, ReleaseReason reason) {
        try {
            inventory.release(reservation, reason);
        } catch (RuntimeException e) {
            log.error("release failed, reservation stays pending product={} user={} reason={}: {}",
                    reservation.productId(), reservation.userId(), reason, e.toString());
        }
    }

    private PurchaseResult reject(PurchaseRejection reason, String message) {
        rejected.get(reason).increment();
        return new PurchaseResult.Rejected(reason, message);
    }

    private String metadataJson(PurchaseRequest request) {
        return request.metadata() == null || request.metadata().isEmpty()
                ? null
                : json.writeValueAsString(request.metadata());
    }

    private static String limitMessage(int limit) {
        return "At most " + limit + (limit == 1 ? " unit" : " units") + " per customer";
    }

    private static String constraintOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PSQLException psql) {
                ServerErrorMessage message = psql.getServerErrorMessage();
                if (message != null && message.getConstraint() != null) {
                    return message.getConstraint();
                }
            }
        }
        return "";
    }
}
