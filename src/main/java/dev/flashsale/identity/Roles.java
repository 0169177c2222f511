package dev.flashsale.identity;

/** The authorities this service grants. */
public final class Roles {

    /** Granted by a token whose {@code roles} claim holds {@code admin}, or by the admin key. */
    public static final String ADMIN = "ROLE_admin";

    /** A shopper: a token whose subject is a user id, or the trusted header. Only shoppers buy. */
    public static final String USER = "ROLE_user";

    /** The metrics token: {@code /actuator/prometheus} and nothing else. */
    public static final String METRICS = "ROLE_metrics";

    private Roles() {
    }
}
