package dev.flashsale.ordering;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/** Why a payment the provider reported is money to give back rather than an order paid. */
public enum RefundReason {
    /** The order's deadline had passed: it expired, or will at once; its unit may be sold again. */
    LATE,
    /** The order was already paid by another payment. */
    ALREADY_PAID,
    /** The buyer had cancelled the order. */
    CANCELLED,
    /** The amount was not the order's total; the order still awaits its payment. */
    AMOUNT_MISMATCH,
    /** The order was never one to pay for (sold without a payment window). */
    NOT_PAYABLE;

    private final String value = name().toLowerCase(Locale.ROOT);

    @JsonValue
    public String value() {
        return value;
    }

    public static RefundReason of(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
