package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.flashsale.inventory.Inventory;
import dev.flashsale.ordering.internal.HoldTransitions;
import dev.flashsale.ordering.internal.HoldTransitions.Payable;
import dev.flashsale.ordering.internal.HoldTransitions.RecordedEvent;
import dev.flashsale.ordering.internal.HoldTransitions.Settled;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Payments as the provider reports them, one event at a time, each recorded once by the provider's
 * event id. In one transaction: the event is looked up (a replay changes nothing and gets the
 * first answer again), the order is completed if it still awaits payment and its deadline has not
 * passed (one guarded statement, {@link HoldTransitions#pay}), otherwise the payment is recorded as
 * a refund to make, with the reason; a completed order's {@link OrderPlaced} goes out through the
 * outbox in the same transaction. After the commit the order's hold leaves Redis (its units stay
 * sold). A payment never makes a second owner of a unit: a late one finds the order expired, or
 * expiring, and is refused.
 */
@Service
public class Payments {

    private static final Logger log = LoggerFactory.getLogger(Payments.class);

    private final HoldTransitions transitions;
    private final Inventory inventory;
    private final ApplicationEventPublisher events;
    private final TransactionTemplate transaction;
    private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    private final Counter replays;

    Payments(HoldTransitions transitions, Inventory inventory, ApplicationEventPublisher events,
             PlatformTransactionManager transactions, MeterRegistry meters) {
        this.transitions = transitions;
        this.inventory = inventory;
        this.events = events;
        this.transaction = new TransactionTemplate(transactions);
        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome, Counter.builder("flashsale.payments")
                    .description("payments the provider reported, by what they came to (late: after the order's "
                            + "deadline, refused and to be refunded)")
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .register(meters));
        }
        this.replays = Counter.builder("flashsale.payments.replayed")
                .description("payment events received again (same event id): answered as the first time, nothing changed")
                .register(meters);
    }

    /** A payment the provider reports: its event id, the order it pays, and the amount paid. */
    public record Notice(String eventId, UUID orderId, BigDecimal amount) {
    }

    /** What a payment came to. */
    public enum Outcome {
        /** The order is completed: this payment bought it. */
        PAID,
        LATE,
        ALREADY_PAID,
        CANCELLED,
        AMOUNT_MISMATCH,
        NOT_PAYABLE,
        /** No such order: nothing was recorded. */
        ORDER_NOT_FOUND;

        /** The refund this outcome records, or null (paid, or nothing recorded). */
        RefundReason refund() {
            return switch (this) {
                case PAID, ORDER_NOT_FOUND -> null;
                case LATE -> RefundReason.LATE;
                case ALREADY_PAID -> RefundReason.ALREADY_PAID;
                case CANCELLED -> RefundReason.CANCELLED;
                case AMOUNT_MISMATCH -> RefundReason.AMOUNT_MISMATCH;
                case NOT_PAYABLE -> RefundReason.NOT_PAYABLE;
            };
        }

        static Outcome of(RecordedEvent event) {
            return event.reason() == null ? PAID : switch (event.reason()) {
                case LATE -> LATE;
                case ALREADY_PAID -> ALREADY_PAID;
                case CANCELLED -> CANCELLED;
                case AMOUNT_MISMATCH -> AMOUNT_MISMATCH;
                case NOT_PAYABLE -> NOT_PAYABLE;
            };
        }
    }

    /**
     * The answer to a payment event.
     *
     * @param replayed the event had been received before; this is the first answer, and nothing changed
     */
    public record Receipt(String eventId, UUID orderId, Outcome outcome, boolean replayed) {
    }

    public Receipt receive(Notice notice) {
        Receipt receipt;
        try {
            receipt = transaction.execute(status -> decide(notice));
        } catch (DuplicateKeyException sameEventAtOnce) {
            // the same event arrived twice at once, and the other delivery committed first
            receipt = replayOf(notice).orElseThrow(() -> sameEventAtOnce);
        }
        if (receipt.replayed()) {
            replays.increment();
            return receipt;
        }
        outcomes.get(receipt.outcome()).increment();
        return receipt;
    }

    private Receipt decide(Notice notice) {
        Optional<Receipt> replay = replayOf(notice);
        if (replay.isPresent()) {
            return replay.get();
        }
        Payable order = transitions.payable(notice.orderId()).orElse(null);
        if (order == null) {
            return new Receipt(notice.eventId(), notice.orderId(), Outcome.ORDER_NOT_FOUND, false);
        }
        Outcome outcome;
        Settled paid = null;
        if (order.total().compareTo(notice.amount()) != 0) {
            outcome = Outcome.AMOUNT_MISMATCH;
        } else {
            paid = transitions.pay(notice.orderId()).orElse(null);
            outcome = paid != null ? Outcome.PAID : refusal(transitions.payable(notice.orderId()).orElse(order));
        }
        transitions.record(notice.eventId(), notice.orderId(), notice.amount(), outcome.refund());
        if (paid != null) {
            events.publishEvent(new OrdersPlaced(List.of(new OrderPlaced(paid.orderId(), paid.productId(),
                    paid.userId(), paid.quantity(), paid.unitPrice(), paid.createdAt()))));
            Settled settled = paid;
            afterCommit(() -> settlePaid(settled));
        }
        return new Receipt(notice.eventId(), notice.orderId(), outcome, false);
    }

    /** Why a payment that did not complete its order is refused, from the order's state now. */
    private static Outcome refusal(Payable order) {
        return switch (order.status()) {
            case AWAITING_PAYMENT, EXPIRED -> Outcome.LATE;
            case CANCELLED -> Outcome.CANCELLED;
            case COMPLETED -> order.payBy() == null ? Outcome.NOT_PAYABLE : Outcome.ALREADY_PAID;
            case PENDING, FAILED -> Outcome.NOT_PAYABLE;
        };
    }

    private Optional<Receipt> replayOf(Notice notice) {
        return transitions.recorded(notice.eventId())
                .map(event -> new Receipt(notice.eventId(), event.orderId(), Outcome.of(event), true));
    }

    private void settlePaid(Settled order) {
        try {
            inventory.settleHold(order.productId(), order.orderId(), order.userId(), true);
        } catch (RuntimeException e) {
            // the order is completed; the reconciler drops the hold from Redis later
            log.warn("paid order's hold not settled in Redis product={} order={}: {}", order.productId(),
                    order.orderId(), e.toString());
        }
    }

    private static void afterCommit(Runnable action) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
    }
}
