package dev.flashsale.ordering;

import java.util.Locale;

/**
 * Where an order stands; {@link #value()} is how the orders table and the API write it. An order of
 * a sale with a payment window starts {@link #AWAITING_PAYMENT} and ends {@link #COMPLETED} (paid by
 * its deadline), {@link #EXPIRED} (not paid by then) or {@link #CANCELLED} (by its buyer); each
 * move is one guarded statement, so exactly one of them happens (decision 0029).
 */
public enum OrderStatus {
    PENDING,
    AWAITING_PAYMENT,
    COMPLETED,
    EXPIRED,
    CANCELLED,
    FAILED;

    private final String value = name().toLowerCase(Locale.ROOT);

    public String value() {
        return value;
    }

    /** Whether an order in this state holds its units and its buyer's place in the sale. */
    public boolean holdsUnits() {
        return this == COMPLETED || this == AWAITING_PAYMENT;
    }

    public static OrderStatus of(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
