package dev.flashsale.auditlog;

/**
 * Who acted, and from where.
 *
 * @param name    the admin as identified: a session's or token's subject, {@link #ADMIN_KEY}, or
 *                {@link #ANONYMOUS} for a credential that was refused
 * @param address the client address as the service sees it (a trusted proxy's forwarded one, else
 *                the connection's)
 */
public record Actor(String name, String address) {

    /** The caller who sent the right {@code X-Admin-Key}: the key identifies no person. */
    public static final String ADMIN_KEY = "admin key";

    /** The caller whose credential was refused: nobody proven. */
    public static final String ANONYMOUS = "anonymous";

    public static Actor anonymous(String address) {
        return new Actor(ANONYMOUS, address);
    }
}
