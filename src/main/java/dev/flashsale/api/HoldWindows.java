package dev.flashsale.api;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/** A sale's payment window as the admin API writes it: an ISO-8601 duration from one second to a day. */
final class HoldWindows {

    static final Duration SHORTEST = Duration.ofSeconds(1);
    static final Duration LONGEST = Duration.ofDays(1);
    static final String RULE = "holdFor: must be an ISO-8601 duration of whole seconds from PT1S to PT24H (e.g. PT10M)";
    static final String DESCRIPTION = "the payment window (ISO-8601, PT1S to PT24H, e.g. PT10M): a purchase answers 201 "
            + "with an order awaiting payment until its payBy, and the unit goes back to the sale if it is not paid by "
            + "then; absent or null: a purchase is complete at once";

    private HoldWindows() {
    }

    /**
     * The window written as {@code text}, or null for null.
     *
     * @throws IllegalArgumentException when it is not a duration of whole seconds within the bounds
     */
    static Duration parse(String text) {
        if (text == null) {
            return null;
        }
        Duration window;
        try {
            window = Duration.parse(text);
        } catch (DateTimeParseException notADuration) {
            throw new IllegalArgumentException(RULE);
        }
        if (window.getNano() != 0 || window.compareTo(SHORTEST) < 0 || window.compareTo(LONGEST) > 0) {
            throw new IllegalArgumentException(RULE);
        }
        return window;
    }
}
