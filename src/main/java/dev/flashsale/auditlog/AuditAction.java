package dev.flashsale.auditlog;

/** What an entry records, by its name in the log. */
public enum AuditAction {

    /** A sale put on sale; after: its definition. */
    PRODUCT_CREATE("product.create"),
    /** A sale's definition changed, its stock not; before and after: the fields that changed. */
    PRODUCT_EDIT("product.edit"),
    /** A sale's stock changed (other fields may have changed with it); before and after: the fields that changed. */
    PRODUCT_STOCK("product.stock"),
    /** Failed outbox deliveries resubmitted by an admin; after: how many. */
    OUTBOX_RETRY("outbox.retry"),
    /** A reconciler pass an admin started; after: its report in brief. */
    RECONCILER_RUN("reconciler.run"),
    /** An admin session signed in with the admin key, or a sign-in refused (wrong key). */
    ADMIN_SIGN_IN("admin.sign-in"),
    /** A request carrying a wrong {@code X-Admin-Key}; target: the request. */
    ADMIN_KEY("admin.key"),
    /** An address locked out after too many wrong admin keys; after: for how long. */
    ADMIN_LOCKOUT("admin.lockout");

    private final String key;

    AuditAction(String key) {
        this.key = key;
    }

    /** The action as stored and shown ({@code product.create}). */
    public String key() {
        return key;
    }
}
