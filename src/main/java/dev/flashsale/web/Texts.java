package dev.flashsale.web;

/**
 * What the validators of text fields accept, as OpenAPI patterns (which search a value, where
 * {@code @Pattern} matches it whole: hence the anchors).
 */
public final class Texts {

    /** No NUL character (PostgreSQL text cannot hold one). */
    public static final String NO_NUL = "^[^\\x00]*$";

    /** Something other than white space, and no NUL ({@code @NotBlank} and {@link #NO_NUL}). */
    public static final String NOT_BLANK_NO_NUL = "^(?=[\\s\\S]*\\S)[^\\x00]*$";

    /** Something other than white space ({@code @NotBlank}). */
    public static final String NOT_BLANK = "^[\\s\\S]*\\S[\\s\\S]*$";

    /** A sale window's edge lies in the years 2000 to 2999 (the API's {@code SaleMoment}). */
    public static final String YEARS_2000_TO_2999 = "^2[0-9]{3}-";

    private Texts() {
    }
}
