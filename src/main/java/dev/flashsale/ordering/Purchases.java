package dev.flashsale.ordering;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.inventory.ReleaseReason;
import dev.flashsale.inventory.Reservation;
import dev.flashsale.inventory.ReserveOutcome;
import dev.flashsale.inventory.ReserveResult;
import dev.flashsale.limits.ClientLimits;
import dev.flashsale.ordering.internal.OrderWriter;
import dev.flashsale.ordering.internal.Orders;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.TransactionTimedOutException;

/**
 * The purchase use case: reserve in Redis (one script), then commit the order and its OrderPlaced
 * event in one PostgreSQL transaction (shared with other orders by the {@link OrderWriter}'s group
 * commit), then drop the pending mark (the writer drops those of a committed batch at once). A sale
 * with a payment window commits the order awaiting payment until its {@code payBy} and turns the
 * pending mark into a hold of that order instead ({@link Holds}, {@link Payments}).
 *
 * <p>Contract: a {@link PurchaseResult.Purchased} is returned only after the commit (I3). A
 * transient failure of the write is retried (a bounded number of times); if the order does not
 * commit, the reservation is released before the exception leaves this class; if
 * the release itself cannot reach Redis, the pending mark stays for the reconciler (I4). If the
 * database refuses the order as a duplicate or a unit already sold, Redis was wrong: the
 * reservation is released accordingly, the product is flagged for the reconciler, and the
 * attempt is rejected, never failed. While PostgreSQL is down (the "postgres" circuit breaker is
 * open) purchases fail at once, before anything is reserved.
 */
@Service
public class Purchases {

    private static final Logger log = LoggerFactory.getLogger(Purchases.class);
    private static final TimeBasedEpochGenerator IDS = Generators.timeBasedEpochGenerator();
    private static final String SOLD_OUT_MESSAGE = "Sold out";
    private static final String ALREADY_PURCHASED_MESSAGE = "You have already purchased this item";
    private static final String TOKEN_REQUIRED_MESSAGE = "This sale needs a purchase token (POST /api/v1/sale/purchase-token)";

    private final Catalog catalog;
    private final Inventory inventory;
    private final Orders orders;
    private final OrderWriter writer;
    private final RetryTemplate retry;
    private final CircuitBreaker database;
    private final Clock clock;
    private final JsonMapper json;
    private final ClientLimits limits;
    private final Counter purchased;
    private final Counter throttled;
    private final Map<PurchaseRejection, Counter> rejected = new EnumMap<>(PurchaseRejection.class);

    Purchases(Catalog catalog, Inventory inventory, Orders orders, OrderWriter writer, Clock clock, JsonMapper json, MeterRegistry meters,
              CircuitBreakerRegistry breakers, OrderingProperties properties, ClientLimits limits) {
        this.limits = limits;
        this.catalog = catalog;
        this.inventory = inventory;
        this.orders = orders;
        this.writer = writer;
        this.retry = new RetryTemplate(RetryPolicy.builder()
                .maxRetries(properties.writeRetries())
                .delay(properties.retryDelay())
                .multiplier(2)
                .jitter(properties.retryDelay().dividedBy(2))
                .predicate(Purchases::isTransient)
                .build());
        this.database = breakers.circuitBreaker("postgres", CircuitBreakerConfig.custom()
                .failureRateThreshold(properties.breakerFailureRate())
                .slidingWindowSize(properties.breakerWindow())
                .minimumNumberOfCalls(Math.min(10, properties.breakerWindow()))
                .waitDurationInOpenState(properties.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(3)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordException(Purchases::isOutage)
                .ignoreExceptions(DataIntegrityViolationException.class)
                .build());
        this.clock = clock;
        this.json = json;
        this.purchased = outcomeCounter(meters, "purchased");
        this.throttled = outcomeCounter(meters, "rate_limited");
        for (PurchaseRejection reason : PurchaseRejection.values()) {
            rejected.put(reason, outcomeCounter(meters, reason.name().toLowerCase(Locale.ROOT)));
        }
    }

    private static Counter outcomeCounter(MeterRegistry meters, String outcome) {
        return Counter.builder("flashsale.purchases")
                .description("purchase attempts that reached the purchase use case, by outcome (purchased: the order "
                        + "committed; others: a business refusal); attempts that failed with 503 are not counted here")
                .tag("outcome", outcome)
                .register(meters);
    }

    /**
     * The answer to a well-formed attempt that needs no Redis call: the product exists, and this
     * instance already knows the user bought it or saw it sold out a moment ago. Empty when the
     * attempt has to go through {@link #purchase}. Every attempt passes here first, on either HTTP
     * path; such an answer costs no more than a rate limit's check would, so only the attempts
     * that go on count against the user's limit.
     */
    public Optional<PurchaseResult> answeredAtOnce(UUID productId, String userId, int quantity) {
        Product product = catalog.find(productId).orElse(null);
        if (product == null || database.getState() == CircuitBreaker.State.OPEN) {
            return Optional.empty();
        }
        return inventory.knownRejection(product, userId, quantity).map(outcome -> switch (outcome) {
            case ALREADY_PURCHASED -> reject(PurchaseRejection.ALREADY_PURCHASED, ALREADY_PURCHASED_MESSAGE);
            default -> reject(PurchaseRejection.SOLD_OUT, SOLD_OUT_MESSAGE);
        });
    }

    public PurchaseResult purchase(PurchaseRequest request) {
        if (database.getState() == CircuitBreaker.State.OPEN) {
            // PostgreSQL is down: reserving would only be undone
            throw new CannotGetJdbcConnectionException("PostgreSQL is unavailable (circuit breaker open)");
        }
        Product product = catalog.find(request.productId()).orElse(null);
        if (product == null) {
            return reject(PurchaseRejection.PRODUCT_NOT_FOUND, "Product not found");
        }
        if (product.gated() && request.purchaseToken() == null) {
            return reject(PurchaseRejection.PURCHASE_TOKEN_REQUIRED, TOKEN_REQUIRED_MESSAGE);
        }
        if (request.quantity() > product.perUserLimit()) {
            return reject(PurchaseRejection.QUANTITY_ABOVE_LIMIT, limitMessage(product.perUserLimit()));
        }
        Optional<Duration> throttled = limits.purchaseReachingRedisBy(request.userId());
        if (throttled.isPresent()) {
            return throttle(throttled.get());
        }
        ReserveResult reserved = product.controlled()
                ? inventory.reserve(product, request.userId(), request.quantity(), request.address(), request.purchaseToken())
                : inventory.reserve(product, request.userId(), request.quantity());
        if (!(reserved instanceof ReserveResult.Reserved taken)) {
            return refusedByInventory(reserved);
        }
        Reservation reservation = taken.reservation();

        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Order order = product.holdFor() == null
                ? new Order(IDS.generate(), request.userId(), product.id(), request.quantity(), product.price(),
                        OrderStatus.COMPLETED, now, null)
                : new Order(IDS.generate(), request.userId(), product.id(), request.quantity(), product.price(),
                        OrderStatus.AWAITING_PAYMENT, now, now.plus(product.holdFor()));
        boolean settled;
        try {
            settled = database.executeSupplier(() -> write(order, reservation, metadataJson(request)));
        } catch (DataIntegrityViolationException refused) {
            return refusedByDatabase(reservation, refused);
        } catch (CallNotPermittedException open) {
            releaseQuietly(reservation, ReleaseReason.NOT_COMMITTED);
            throw new CannotGetJdbcConnectionException("PostgreSQL is unavailable (circuit breaker open)");
        } catch (RuntimeException notCommitted) {
            releaseQuietly(reservation, ReleaseReason.NOT_COMMITTED);
            throw notCommitted;
        }
        try {
            if (order.status() == OrderStatus.AWAITING_PAYMENT) {
                inventory.hold(reservation, order.id());
            } else if (!settled) {
                inventory.confirm(reservation);
            }
        } catch (RuntimeException e) {
            // The order is committed; the reconciler settles the pending mark left behind from it.
            log.warn("confirm failed, pending mark stays product={} user={}: {}", product.id(), request.userId(), e.toString());
        }
        purchased.increment();
        return new PurchaseResult.Purchased(order);
    }

    private PurchaseResult refusedByInventory(ReserveResult refused) {
        return switch (refused) {
            case ReserveResult.InsufficientStock(var left) ->
                    reject(PurchaseRejection.INSUFFICIENT_STOCK, "Only " + left + " left");
            case ReserveResult.OverLimit(var kind, var limit) when kind == ReserveOutcome.ADDRESS_LIMIT_REACHED ->
                    reject(PurchaseRejection.ADDRESS_LIMIT_REACHED, "At most " + limit
                            + (limit == 1 ? " unit" : " units") + " of this sale may go to one network address");
            case ReserveResult.OverLimit(var kind, var limit) ->
                    reject(PurchaseRejection.QUANTITY_ABOVE_LIMIT, limitMessage(limit));
            case ReserveResult.Refused(var kind) -> switch (kind) {
                case NOT_STARTED -> reject(PurchaseRejection.SALE_NOT_STARTED, "The sale has not started yet");
                case ENDED -> reject(PurchaseRejection.SALE_ENDED, "The sale has ended");
                case ALREADY_PURCHASED -> reject(PurchaseRejection.ALREADY_PURCHASED, ALREADY_PURCHASED_MESSAGE);
                case SOLD_OUT -> reject(PurchaseRejection.SOLD_OUT, SOLD_OUT_MESSAGE);
                case PURCHASE_TOKEN_REQUIRED -> reject(PurchaseRejection.PURCHASE_TOKEN_REQUIRED, TOKEN_REQUIRED_MESSAGE);
                case PURCHASE_TOKEN_INVALID -> reject(PurchaseRejection.PURCHASE_TOKEN_INVALID,
                        "The purchase token is unknown, used, expired or not yours; ask for a new one");
                case RESERVED, INSUFFICIENT_STOCK, LIMIT_EXCEEDED, ADDRESS_LIMIT_REACHED ->
                        throw new IllegalStateException("a refusal of kind " + kind + " carries more");
            };
            case ReserveResult.Reserved reserved -> throw new IllegalStateException("not a refusal");
        };
    }

    /**
     * Commits the order, its units and its event; retries a transient failure. Before a retry it
     * looks whether the previous attempt committed after all (a connection lost during COMMIT):
     * the order id is the same on every attempt, so the order's presence settles it.
     *
     * @return whether the writer settled the reservation's pending mark as well
     */
    private boolean write(Order order, Reservation reservation, String metadataJson) {
        AtomicInteger attempt = new AtomicInteger();
        return retry.invoke(() -> {
            if (attempt.incrementAndGet() > 1 && orders.exists(order.id())) {
                return false;
            }
            return writer.write(order, reservation, metadataJson);
        });
    }

    /** Worth another attempt: the same write may well succeed a moment later. */
    private static boolean isTransient(Throwable e) {
        return !(e instanceof OrderQueueTimeoutException) && isTransientFailure(e);
    }

    private static boolean isTransientFailure(Throwable e) {
        return e instanceof TransientDataAccessException
                || e instanceof RecoverableDataAccessException
                || (e instanceof DataAccessResourceFailureException && !(e instanceof CannotGetJdbcConnectionException))
                || e instanceof TransactionSystemException
                // its batch ran out of time; the writers' next batches are smaller (BatchLimit)
                || e instanceof TransactionTimedOutException;
    }

    /** PostgreSQL (or the way to it) failing, as opposed to refusing this order. */
    private static boolean isOutage(Throwable e) {
        if (e instanceof OrderQueueTimeoutException) {
            return false; // busy, not failing
        }
        return e instanceof DataAccessResourceFailureException
                || e instanceof TransientDataAccessResourceException
                || e instanceof RecoverableDataAccessException
                || e instanceof QueryTimeoutException
                || e instanceof CannotCreateTransactionException
                || e instanceof TransactionSystemException;
    }

    private PurchaseResult refusedByDatabase(Reservation reservation, DataIntegrityViolationException refused) {
        String constraint = constraintOf(refused);
        log.warn("database refused a reservation Redis granted product={} user={} units={} constraint={}",
                reservation.productId(), reservation.userId(), reservation.units(), constraint);
        flagQuietly(reservation.productId());
        switch (constraint) {
            case "orders_one_taken_per_user" -> {
                releaseQuietly(reservation, ReleaseReason.ALREADY_PURCHASED);
                return reject(PurchaseRejection.ALREADY_PURCHASED, ALREADY_PURCHASED_MESSAGE);
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

    /** Redis and PostgreSQL disagreed: the reconciler should look at this product soon. */
    private void flagQuietly(UUID productId) {
        try {
            inventory.flag(productId);
        } catch (RuntimeException e) {
            log.warn("could not flag product={} for the reconciler: {}", productId, e.toString());
        }
    }

    private PurchaseResult throttle(Duration retryAfter) {
        throttled.increment();
        return new PurchaseResult.Throttled(retryAfter);
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
