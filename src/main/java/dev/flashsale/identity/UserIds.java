package dev.flashsale.identity;

import java.util.regex.Pattern;

/**
 * What a user id may look like, wherever it comes from (token subject or trusted header). A colon
 * is never part of one: subjects with a colon are the service's own, such as the admin console's,
 * which no shopper can therefore claim.
 */
public final class UserIds {

    public static final String RULE = "1 to 128 characters of letters, digits and . _ @ + -";

    /** The subject of admin sessions (signed in with the admin key, or the admin key itself): never a shopper. */
    public static final String ADMIN_CONSOLE = "admin:console";

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._@+\\-]{1,128}");

    private UserIds() {
    }

    public static boolean isValid(String userId) {
        return userId != null && VALID.matcher(userId).matches();
    }
}
