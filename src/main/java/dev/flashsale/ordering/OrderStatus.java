package dev.flashsale.ordering;

import java.util.Locale;

/** Where an order stands; {@link #value()} is how the orders table and the API write it. */
public enum OrderStatus {
    PENDING,
    COMPLETED,
    CANCELLED,
    FAILED;

    private final String value = name().toLowerCase(Locale.ROOT);

    public String value() {
        return value;
    }

    public static OrderStatus of(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
