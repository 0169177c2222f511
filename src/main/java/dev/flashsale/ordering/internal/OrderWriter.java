package dev.flashsale.ordering.internal;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.inventory.Reservation;
import dev.flashsale.ordering.Order;
import dev.flashsale.ordering.OrderPlaced;
import dev.flashsale.ordering.OrderQueueTimeoutException;
import dev.flashsale.ordering.OrderStatus;
import dev.flashsale.ordering.OrderingProperties;
import dev.flashsale.ordering.OrdersPlaced;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionTimedOutException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Group commit: orders waiting to be written are committed together, many orders (and one
 * {@link OrdersPlaced} event naming them all) per PostgreSQL transaction, by a few writer threads.
 *
 * <p>No order waits for company: a writer takes whatever has queued up while it was busy, so a
 * lone order is written at once and a crowd is written in batches of up to {@code max-batch}, fewer
 * while PostgreSQL inserts so slowly that that many would not commit within the transaction's
 * timeout ({@link BatchLimit}).
 * {@link #write} returns only after the order's transaction committed (I3 holds: "201 means
 * committed"), and throws if it did not. If a batch is refused for something other than an outage
 * (a constraint: Redis granted a unit or a buyer PostgreSQL already holds, which should not
 * happen), its orders are written again one transaction each, so only the offending order fails,
 * with its own error. If the database fails, every order of the batch gets that failure.
 *
 * <p>Once a batch committed, the writer drops the pending marks of its complete orders' reservations
 * in one Redis script per sale ({@link Inventory#confirm(java.util.Collection)}) before it answers
 * their callers, instead of a round trip per order. If Redis fails there, the marks stay for the
 * reconciler, which settles them from the committed orders (the orders are committed either way).
 *
 * <p>A rehearsal sale's orders ({@link Catalog#rehearse}) are written in a transaction of their
 * own that is rolled back, also when they arrive after their sale ended.
 *
 * <p>An order that waited in the queue longer than {@code queue-timeout} is withdrawn before any
 * writer took it, so its caller knows for certain that it was not written; once a writer took it,
 * the caller waits for that transaction's outcome (bounded by the transaction's own timeout).
 */
@Component
public class OrderWriter implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OrderWriter.class);
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int WITHDRAWN = 2;
    /** PostgreSQL's SQLSTATE for a statement cancelled, here by the transaction's timeout. */
    private static final String QUERY_CANCELED = "57014";

    private final Orders orders;
    private final Catalog catalog;
    private final Inventory inventory;
    private final TransactionTemplate transaction;
    private final ApplicationEventPublisher events;
    private final OrderingProperties properties;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final DistributionSummary batchSizes;
    private final BatchLimit batchLimit;
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean running;

    public OrderWriter(Orders orders, Catalog catalog, Inventory inventory, PlatformTransactionManager transactions,
                       ApplicationEventPublisher events, OrderingProperties properties, MeterRegistry meters) {
        this.orders = orders;
        this.catalog = catalog;
        this.inventory = inventory;
        this.transaction = new TransactionTemplate(transactions);
        this.transaction.setTimeout((int) Math.max(1, properties.writeTimeout().toSeconds()));
        this.events = events;
        this.properties = properties;
        this.batchSizes = DistributionSummary.builder("flashsale.orders.batch")
                .description("Orders committed per PostgreSQL transaction (group commit)")
                .baseUnit("orders")
                .register(meters);
        Gauge.builder("flashsale.orders.queued", queue, BlockingQueue::size)
                .description("Orders waiting for a writer")
                .register(meters);
        this.batchLimit = new BatchLimit(properties.maxBatch(), properties.writeTimeout());
        Gauge.builder("flashsale.orders.batch.limit", batchLimit, BatchLimit::current)
                .description("The most orders a writer commits in one transaction now: max-batch, or fewer while"
                        + " PostgreSQL inserts too slowly for that many to commit within the write timeout")
                .baseUnit("orders")
                .register(meters);
    }

    /**
     * Commits the order, its units and its event; returns once committed.
     *
     * @param reservation the order's reservation in Redis: its units are the order's
     * @return whether the writer has settled the reservation's pending mark too (an order committed
     *         complete by a writer thread); otherwise the caller settles it
     * @throws OrderQueueTimeoutException the order waited too long for a writer and was withdrawn:
     *                                    it was not written
     * @throws RuntimeException           the transaction's failure (its order was not written,
     *                                    unless the failure was in the COMMIT itself)
     */
    public boolean write(Order order, Reservation reservation, String metadataJson) {
        Orders.NewOrder placed = new Orders.NewOrder(order, reservation.units(), metadataJson);
        if (!running) {
            // Before start and after stop (no writer threads): the caller writes its order itself.
            commit(List.of(placed));
            return false;
        }
        Pending pending = new Pending(placed, order.status() == OrderStatus.COMPLETED ? reservation : null);
        queue.add(pending);
        try {
            pending.done.get(properties.queueTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException waitedTooLong) {
            if (pending.state.compareAndSet(QUEUED, WITHDRAWN)) {
                queue.remove(pending);
                throw new OrderQueueTimeoutException("order " + order.id() + " waited over "
                        + properties.queueTimeout() + " for a database writer and was withdrawn");
            }
            outcome(pending); // a writer has it: its transaction decides, within its own timeout
        } catch (ExecutionException failed) {
            throw causeOf(failed);
        } catch (InterruptedException interrupted) {
            if (pending.state.compareAndSet(QUEUED, WITHDRAWN)) {
                queue.remove(pending);
                Thread.currentThread().interrupt();
                throw new OrderQueueTimeoutException("interrupted before order " + order.id() + " was written");
            }
            // A writer has it: the outcome must be known (a caller that gave up here would release
            // a reservation whose order may yet commit), and the transaction's timeout bounds the wait.
            try {
                outcome(pending);
            } finally {
                Thread.currentThread().interrupt();
            }
        }
        return pending.toConfirm != null;
    }

    /** Waits for a taken order's transaction, whatever interrupts, and rethrows its failure. */
    private static void outcome(Pending pending) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    pending.done.get();
                    return;
                } catch (InterruptedException again) {
                    interrupted = true;
                } catch (ExecutionException failed) {
                    throw causeOf(failed);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The transaction's failure, as the writer caught it. */
    private static RuntimeException causeOf(ExecutionException failed) {
        return failed.getCause() instanceof RuntimeException e ? e : new IllegalStateException(failed.getCause());
    }

    private void runWriter() {
        List<Pending> batch = new ArrayList<>(properties.maxBatch());
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, batchLimit.current() - 1);
                batch.removeIf(p -> !p.state.compareAndSet(QUEUED, TAKEN));
                if (!batch.isEmpty()) {
                    writeBatch(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error unexpected) {
                log.error("order writer failed on a batch of {}", batch.size(), unexpected);
                batch.forEach(p -> p.done.completeExceptionally(unexpected));
            } finally {
                batch.clear();
            }
        }
    }

    private void writeBatch(List<Pending> batch) {
        try {
            commit(batch.stream().map(p -> p.placed).toList());
            batchSizes.record(batch.size());
        } catch (RuntimeException failed) {
            if (ranOutOfTime(failed)) {
                int before = batchLimit.current();
                int after = batchLimit.timedOut(batch.size());
                if (after < before) {
                    log.warn("a batch of {} orders ran out of time ({}); at most {} a transaction until commits are quicker",
                            batch.size(), properties.writeTimeout(), after);
                }
            }
            if (batch.size() > 1 && mayBeOneOrders(failed)) {
                log.warn("a batch of {} orders failed ({}); writing them one by one", batch.size(),
                        NestedExceptionUtils.getMostSpecificCause(failed).getMessage());
                writeAlone(batch);
            } else {
                batch.forEach(p -> p.done.completeExceptionally(failed));
            }
            return;
        }
        confirm(batch);
        batch.forEach(p -> p.done.complete(null));
    }

    /** Drops the pending marks of committed complete orders; what Redis does not take, the reconciler settles. */
    private void confirm(List<Pending> committed) {
        List<Reservation> reservations = committed.stream()
                .map(p -> p.toConfirm)
                .filter(Objects::nonNull)
                .toList();
        if (reservations.isEmpty()) {
            return;
        }
        try {
            inventory.confirm(reservations);
        } catch (RuntimeException e) {
            log.warn("pending marks of {} committed orders stay for the reconciler: {}", reservations.size(), e.toString());
        }
    }

    /**
     * Whether a failed batch may have failed for one of its orders (a constraint, a value PostgreSQL
     * refused), so that the others would commit alone. Not when the database or the way to it failed:
     * then every order would only fail again, one at a time.
     */
    public static boolean mayBeOneOrders(RuntimeException failed) {
        return !(failed instanceof TransientDataAccessException
                || failed instanceof DataAccessResourceFailureException
                || failed instanceof RecoverableDataAccessException
                || failed instanceof TransactionException);
    }

    /** The transaction's timeout ended it: PostgreSQL cancelled a statement, or the deadline came between two. */
    private static boolean ranOutOfTime(Throwable failed) {
        for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
            if (cause instanceof QueryTimeoutException || cause instanceof TransactionTimedOutException
                    || (cause instanceof SQLException sql && QUERY_CANCELED.equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** One transaction per order; each order's outcome goes to its own caller. */
    private void writeAlone(List<Pending> batch) {
        List<Pending> committed = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            try {
                commit(List.of(p.placed));
                batchSizes.record(1);
                committed.add(p);
            } catch (RuntimeException failed) {
                p.done.completeExceptionally(failed);
            }
        }
        confirm(committed);
        committed.forEach(p -> p.done.complete(null));
    }

    private void commit(List<Orders.NewOrder> placed) {
        Map<Boolean, List<Orders.NewOrder>> rehearsed = placed.stream()
                .collect(Collectors.partitioningBy(p -> catalog.isRehearsal(p.order().productId())));
        if (!rehearsed.get(true).isEmpty()) {
            rehearse(rehearsed.get(true));
        }
        List<Orders.NewOrder> real = rehearsed.get(false);
        if (!real.isEmpty()) {
            long[] began = new long[1];
            transaction.executeWithoutResult(status -> {
                began[0] = System.nanoTime(); // the connection is held: the timeout runs from here
                insert(real);
            });
            batchLimit.committed(real.size(), System.nanoTime() - began[0]);
        }
    }

    /** The orders, and one event naming those that are complete (an order awaiting payment has its event when paid). */
    private void insert(List<Orders.NewOrder> placed) {
        orders.insert(placed);
        List<OrderPlaced> completed = placed.stream()
                .map(Orders.NewOrder::order)
                .filter(o -> o.status() == OrderStatus.COMPLETED)
                .map(o -> new OrderPlaced(o.id(), o.productId(), o.userId(), o.quantity(), o.unitPrice(), o.createdAt()))
                .toList();
        if (!completed.isEmpty()) {
            events.publishEvent(new OrdersPlaced(completed));
        }
    }

    /**
     * A rehearsal sale's orders (the instance rehearsing before it takes traffic): written as any
     * others, with their sale's row, in a transaction that is then rolled back, so that nothing of
     * them is stored and their event is never delivered.
     */
    private void rehearse(List<Orders.NewOrder> rehearsed) {
        transaction.executeWithoutResult(status -> {
            status.setRollbackOnly();
            rehearsed.stream().map(p -> p.order().productId()).distinct().forEach(catalog::insertRehearsalRow);
            insert(rehearsed);
        });
    }

    @Override
    public void start() {
        running = true;
        for (int i = 0; i < properties.writers(); i++) {
            Thread writer = Thread.ofPlatform().name("order-writer-" + i).daemon().unstarted(this::runWriter);
            writers.add(writer);
            writer.start();
        }
    }

    /** Writes what is queued, then stops; later writes run on their callers' threads. */
    @Override
    public void stop() {
        running = false;
        for (Thread writer : writers) {
            try {
                writer.join(properties.writeTimeout().toMillis() * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        writers.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops after the web server (which finishes the requests in flight first), before the pool closes. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 1000;
    }

    private static final class Pending {
        final Orders.NewOrder placed;
        /** The reservation whose pending mark the writer drops once the order committed, or null (the caller's to settle). */
        final @Nullable Reservation toConfirm;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final AtomicInteger state = new AtomicInteger(QUEUED);

        Pending(Orders.NewOrder placed, @Nullable Reservation toConfirm) {
            this.placed = placed;
            this.toConfirm = toConfirm;
        }
    }
}
