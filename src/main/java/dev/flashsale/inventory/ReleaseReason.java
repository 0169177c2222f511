package dev.flashsale.inventory;

/** How a pending reservation is settled; it decides what goes back into the sale. */
public enum ReleaseReason {
    /** The order committed (found by the reconciler): only the pending mark goes. */
    CONFIRMED("CONFIRM"),
    /** The order did not commit: the units go back and the user may try again. */
    NOT_COMMITTED("RESTORE"),
    /** PostgreSQL already holds an order of this user: the units go back, the user stays a buyer. */
    ALREADY_PURCHASED("KEEP_BUYER"),
    /** PostgreSQL says another order holds these units: they are not handed out again. */
    UNITS_TAKEN("DISCARD_UNITS");

    final String scriptMode;

    ReleaseReason(String scriptMode) {
        this.scriptMode = scriptMode;
    }
}
