package dev.flashsale.auditlog;

import java.util.Locale;

/** How an action ended. A product change that was refused is not in the log: it changed nothing. */
public enum AuditOutcome {

    /** Done. */
    OK,
    /** A credential refused, or an address locked out. */
    REFUSED,
    /** Ran, and failed (in part): the entry's after says what. */
    FAILED,
    /** Not run here: another instance was doing it at that moment. */
    SKIPPED;

    String stored() {
        return name().toLowerCase(Locale.ROOT);
    }
}
