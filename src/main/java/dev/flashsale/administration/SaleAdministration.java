package dev.flashsale.administration;

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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Admin changes to sales, keeping PostgreSQL and the live Redis state in step. A stock change
 * holds the product's row lock while Redis and PostgreSQL move together; if PostgreSQL does not
 * commit, the Redis change is undone. Each change is recorded in the audit log in the transaction
 * that makes it: both commit, or neither. A refused change is not recorded (it changed nothing).
 */
@Service
public class SaleAdministration {

    private static final Logger log = LoggerFactory.getLogger(SaleAdministration.class);
    private static final TransactionDefinition CHANGE = new DefaultTransactionDefinition();

    private final Catalog catalog;
    private final Inventory inventory;
    private final PlatformTransactionManager transactions;
    private final TransactionTemplate transaction;
    private final AuditLog audit;

    SaleAdministration(Catalog catalog, Inventory inventory, PlatformTransactionManager transactions, AuditLog audit) {
        this.catalog = catalog;
        this.inventory = inventory;
        this.transactions = transactions;
        this.transaction = new TransactionTemplate(transactions);
        this.audit = audit;
    }

    /** What became of an admin change: done, or refused with a reason and a message for the admin. */
    public sealed interface Result {
        record Done(Product product) implements Result {
        }

        record Refused(Refusal reason, String message) implements Result {
        }
    }

    public enum Refusal {
        /** The fields are valid one by one but not together (a window that ends before it starts). */
        INVALID,
        PRODUCT_NOT_FOUND,
        /** The new stock is below the units sold or reserved. */
        STOCK_BELOW_SOLD
    }

    public Result create(NewProduct definition, Actor actor) {
        if (!definition.saleStartAt().isBefore(definition.saleEndAt())) {
            return invalidWindow();
        }
        if (definition.shards() > 1 && (definition.perAddressLimit() != null || definition.gated())) {
            return splitAndControlled();
        }
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
                product.id(), product.totalQuantity(), product.saleStartAt(), product.saleEndAt(),
                product.perAddressLimit(), product.gated(), product.powDifficulty());
        return new Result.Done(product);
    }

    /**
     * Applies {@code changes} and, when {@code newTotal} is given and differs, moves the stock: in
     * Redis first (which refuses a total below what is sold or reserved there), then in PostgreSQL
     * (whose guards refuse one below the committed units), in one transaction holding the row lock.
     */
    public Result change(UUID id, ProductChanges changes, @Nullable Integer newTotal, Actor actor) {
        TransactionStatus tx = transactions.getTransaction(CHANGE);
        Product current = null;
        StockChange moved = null;
        Result result;
        try {
            current = catalog.lockForChange(id).orElse(null);
            if (current == null) {
                result = new Result.Refused(Refusal.PRODUCT_NOT_FOUND, "Product not found");
            } else {
                Product changed = changes.applyTo(current);
                if (!changed.saleStartAt().isBefore(changed.saleEndAt())) {
                    result = invalidWindow();
                } else if (changed.shards() > 1 && changed.controlled()) {
                    result = splitAndControlled();
                } else if (relaidOut(current, changed, newTotal) && !inventory.untouched(current)) {
                    result = new Result.Refused(Refusal.STOCK_BELOW_SOLD, "A sale split into shards changes its stock, "
                            + "and a sale its split, only while no unit is reserved, held or sold");
                } else {
                    catalog.update(changed);
                    boolean totalChanged = newTotal != null && newTotal != current.totalQuantity();
                    if (totalChanged && relaidOut(current, changed, newTotal)) {
                        // nothing is taken: the shards are installed anew from PostgreSQL once committed
                        catalog.changeTotalQuantity(id, newTotal);
                    } else if (totalChanged) {
                        moved = inventory.changeTotal(current, newTotal);
                        if (moved.changed()) {
                            catalog.changeTotalQuantity(id, newTotal);
                        }
                    }
                    result = moved != null && !moved.changed() ? stockRefused(moved) : record(current, totalChanged, actor);
                }
            }
            if (result instanceof Result.Done) {
                transactions.commit(tx);
            } else {
                transactions.rollback(tx);
            }
        } catch (DataIntegrityViolationException refused) {
            rollBack(tx, current, moved);
            return new Result.Refused(Refusal.STOCK_BELOW_SOLD, "The stock cannot go below the units already sold");
        } catch (RuntimeException e) {
            rollBack(tx, current, moved);
            throw e;
        }
        if (result instanceof Result.Done(var saved)) {
            if (relaidOut(current, saved, newTotal)) {
                inventory.relayout(current, saved);
            }
            inventory.define(saved);
            inventory.announceChange(id);
            log.info("product changed product={} total={} start={} end={} limit={} perAddressLimit={} gated={} "
                            + "powDifficulty={}", id, saved.totalQuantity(), saved.saleStartAt(), saved.saleEndAt(),
                    saved.perUserLimit(), saved.perAddressLimit(), saved.gated(), saved.powDifficulty());
        }
        return result;
    }

    /** The change, as saved, in the audit log. */
    private Result record(Product current, boolean stockMoved, Actor actor) {
        UUID id = current.id();
        Product saved = catalog.load(id).orElseThrow();
        ProductFields.Change change = ProductFields.Change.between(current, saved);
        audit.recordWithChange(actor, stockMoved ? AuditAction.PRODUCT_STOCK : AuditAction.PRODUCT_EDIT,
                id.toString(), change.before(), change.after());
        return new Result.Done(saved);
    }

    private void rollBack(TransactionStatus tx, @Nullable Product before, @Nullable StockChange moved) {
        if (!tx.isCompleted()) {
            transactions.rollback(tx);
        }
        if (before != null && moved != null && moved.changed()) {
            StockChange undone = inventory.changeTotal(before, before.totalQuantity());
            log.warn("stock change rolled back in Redis product={} total={} outcome={}",
                    before.id(), before.totalQuantity(), undone.outcome());
        }
    }

    private static Result stockRefused(StockChange stock) {
        return switch (stock.outcome()) {
            case BELOW_SOLD -> new Result.Refused(Refusal.STOCK_BELOW_SOLD,
                    "The stock cannot go below the " + stock.value() + " units sold or reserved");
            case UNITS_IN_USE -> new Result.Refused(Refusal.STOCK_BELOW_SOLD,
                    "The stock cannot go below " + stock.value() + ": unit " + stock.value() + " is sold or reserved");
            case CHANGED -> throw new IllegalStateException("not a refusal");
        };
    }

    /**
     * Whether the change moves the ranges of the sale's shards: its split changes, or the total of a
     * split sale (see {@link Inventory#relayout}).
     */
    private static boolean relaidOut(Product current, Product changed, @Nullable Integer newTotal) {
        return changed.shards() != current.shards()
                || (changed.shards() > 1 && newTotal != null && newTotal != current.totalQuantity());
    }

    /**
     * A split sale's shards each check the buyer's place on one slot: a cap per client address or a
     * purchase token would need a second slot in the same script.
     */
    private static Result splitAndControlled() {
        return new Result.Refused(Refusal.INVALID,
                "shards: a sale split into more than one shard takes no perAddressLimit and no purchase gate");
    }

    private static Result invalidWindow() {
        return new Result.Refused(Refusal.INVALID, "saleEndAt: must be after saleStartAt");
    }
}
