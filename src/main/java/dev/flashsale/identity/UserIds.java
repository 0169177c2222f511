package dev.flashsale.identity;

import java.util.regex.Pattern;

/** What a user id may look like, wherever it comes from (token subject or trusted header). */
public final class UserIds {

    public static final String RULE = "1 to 128 characters of letters, digits and . _ @ : + -";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._@:+\\-]{1,128}");

    private UserIds() {
    }

    public static boolean isValid(String userId) {
        return userId != null && VALID.matcher(userId).matches();
    }
}
