package dev.flashsale.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import dev.flashsale.auditlog.Actor;
import dev.flashsale.auditlog.AuditAction;
import dev.flashsale.auditlog.AuditLog;
import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.NewProduct;
import dev.flashsale.catalog.Product;
import dev.flashsale.catalog.ProductChanges;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.inventory.StockChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Admin changes to sales, keeping PostgreSQL and the live Redis state in step. A stock change
 * holds the product's row lock while Redis and PostgreSQL move together; if PostgreSQL does not
 * commit, the Redis change is undone. Each change is recorded in the audit log in the transaction
 * that makes it: both commit, or neither. A refused change is not recorded (it changed nothing).
 */
@Service
class SaleAdministration {

    private static final Logger log = LoggerFactory.getLogger(SaleAdministration.class);
    private static final Duration DEFAULT_LENGTH = Duration.ofDays(1);

    private final Catalog catalog;
    private final Inventory inventory;
    private final TransactionTemplate transaction;
    private final AuditLog audit;
    private final Clock clock;

    SaleAdministration(Catalog catalog, Inventory inventory, TransactionTemplate transaction, AuditLog audit,
                       Clock clock) {
        this.catalog = catalog;
        this.inventory = inventory;
        this.transaction = transaction;
        this.audit = audit;
        this.clock = clock;
    }

    sealed interface Result {
        record Done(Product product) implements Result {
        }

        record Refused(HttpStatus status, String code, String message) implements Result {
        }
    }

    Result create(ProductBody body, Actor actor) {
        Instant start = body.saleStartAt() != null ? body.saleStartAt() : clock.instant();
        Instant end = body.saleEndAt() != null ? body.saleEndAt() : start.plus(DEFAULT_LENGTH);
        if (!start.isBefore(end)) {
            return invalidWindow();
        }
        NewProduct definition = new NewProduct(body.name().strip(), body.description(), body.price(),
                body.totalQuantity(), body.perUserLimit() != null ? body.perUserLimit() : 1, start, end,
                body.perAddressLimit(), Boolean.TRUE.equals(body.gated()),
                body.powDifficulty() != null ? body.powDifficulty() : 0);
        Product product = transaction.execute(status -> {
            Product created = catalog.create(definition);
            audit.recordWithChange(actor, AuditAction.PRODUCT_CREATE, created.id().toString(), null,
                    ProductFields.of(created));
            return created;
        });
        try {
            inventory.ensureReady(product);
        } catch (RuntimeException e) {
            // The product is committed; its Redis state is built on first use instead.
            log.warn("product created but not primed in Redis product={}: {}", product.id(), e.toString());
        }
        log.info("product created product={} total={} start={} end={} perAddressLimit={} gated={} powDifficulty={}",
                product.id(), product.totalQuantity(), start, end, product.perAddressLimit(), product.gated(),
                product.powDifficulty());
        return new Result.Done(product);
    }

    Result change(UUID id, ProductPatch patch, Actor actor) {
        Optional<Integer> perAddressLimit;
        try {
            perAddressLimit = patch.perAddressLimitChange();
        } catch (IllegalArgumentException invalid) {
            return new Result.Refused(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED", invalid.getMessage());
        }
        StockChange[] redisChange = {null};
        Product[] before = {null};
        Result result;
        try {
            result = transaction.execute(status -> {
                Product current = catalog.lockForChange(id).orElse(null);
                if (current == null) {
                    return new Result.Refused(HttpStatus.NOT_FOUND, "PRODUCT_NOT_FOUND", "Product not found");
                }
                before[0] = current;
                Product changed = new ProductChanges(patch.name() != null ? patch.name().strip() : null,
                        patch.description(), patch.price(), patch.perUserLimit(), patch.saleStartAt(),
                        patch.saleEndAt(), perAddressLimit, patch.gated(), patch.powDifficulty())
                        .applyTo(current);
                if (!changed.saleStartAt().isBefore(changed.saleEndAt())) {
                    return invalidWindow();
                }
                catalog.update(changed);
                Integer newTotal = patch.totalQuantity();
                if (newTotal != null && newTotal != current.totalQuantity()) {
                    StockChange stock = inventory.changeTotal(current, newTotal);
                    if (!stock.changed()) {
                        status.setRollbackOnly();
                        return stockRefused(stock);
                    }
                    redisChange[0] = stock;
                    catalog.changeTotalQuantity(id, newTotal);
                }
                Product saved = catalog.load(id).orElseThrow();
                ProductFields.Change change = ProductFields.Change.between(current, saved);
                audit.recordWithChange(actor, redisChange[0] != null ? AuditAction.PRODUCT_STOCK : AuditAction.PRODUCT_EDIT,
                        id.toString(), change.before(), change.after());
                return new Result.Done(saved);
            });
        } catch (DataIntegrityViolationException refused) {
            undoStock(before[0], redisChange[0]);
            return new Result.Refused(HttpStatus.CONFLICT, "STOCK_BELOW_SOLD",
                    "The stock cannot go below the units already sold");
        } catch (RuntimeException e) {
            undoStock(before[0], redisChange[0]);
            throw e;
        }
        if (result instanceof Result.Done(var saved)) {
            inventory.define(saved);
            log.info("product changed product={} total={} start={} end={} limit={} perAddressLimit={} gated={} "
                            + "powDifficulty={}", id, saved.totalQuantity(), saved.saleStartAt(), saved.saleEndAt(),
                    saved.perUserLimit(), saved.perAddressLimit(), saved.gated(), saved.powDifficulty());
            return new Result.Done(saved);
        }
        return result;
    }

    private void undoStock(Product before, StockChange change) {
        if (before != null && change != null) {
            StockChange undone = inventory.changeTotal(before, before.totalQuantity());
            log.warn("stock change rolled back in Redis product={} total={} outcome={}",
                    before.id(), before.totalQuantity(), undone.outcome());
        }
    }

    private static Result stockRefused(StockChange stock) {
        return switch (stock.outcome()) {
            case BELOW_SOLD -> new Result.Refused(HttpStatus.CONFLICT, "STOCK_BELOW_SOLD",
                    "The stock cannot go below the " + stock.value() + " units sold or reserved");
            case UNITS_IN_USE -> new Result.Refused(HttpStatus.CONFLICT, "STOCK_BELOW_SOLD",
                    "The stock cannot go below " + stock.value() + ": unit " + stock.value() + " is sold or reserved");
            case CHANGED -> throw new IllegalStateException("not a refusal");
        };
    }

    private static Result invalidWindow() {
        return new Result.Refused(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED", "saleEndAt: must be after saleStartAt");
    }
}
