package dev.flashsale.inventory;

/** What one reservation attempt came to: the units reserved, or why not. */
public sealed interface ReserveResult {

    /** The kind of answer, as the reservation script names it. */
    ReserveOutcome outcome();

    /** The units are taken and pending until the order commits ({@code stockLeft} after this attempt). */
    record Reserved(Reservation reservation, int stockLeft) implements ReserveResult {

        @Override
        public ReserveOutcome outcome() {
            return ReserveOutcome.RESERVED;
        }
    }

    /** Fewer units are left ({@code stockLeft}) than asked for. */
    record InsufficientStock(int stockLeft) implements ReserveResult {

        @Override
        public ReserveOutcome outcome() {
            return ReserveOutcome.INSUFFICIENT_STOCK;
        }
    }

    /**
     * Over a cap: the per-user limit ({@link ReserveOutcome#LIMIT_EXCEEDED}) or the per-address
     * one ({@link ReserveOutcome#ADDRESS_LIMIT_REACHED}), whose value is {@code limit}.
     */
    record OverLimit(ReserveOutcome outcome, int limit) implements ReserveResult {
    }

    /** Any other refusal: it carries nothing but its kind. */
    record Refused(ReserveOutcome outcome) implements ReserveResult {

        private static final Refused[] EACH = java.util.Arrays.stream(ReserveOutcome.values())
                .map(Refused::new).toArray(Refused[]::new);

        /** The one instance of each kind (the hot path refuses without allocating). */
        static Refused of(ReserveOutcome outcome) {
            return EACH[outcome.ordinal()];
        }
    }
}
