package dev.flashsale.api;

/**
 * What the validators of text fields accept, as OpenAPI patterns (which search a value, where
 * {@code @Pattern} matches it whole: hence the anchors).
 */
final class Texts {

    /** No NUL character (PostgreSQL text cannot hold one). */
    static final String NO_NUL = "^[^\\x00]*$";

    /** Something other than white space, and no NUL ({@code @NotBlank} and {@link #NO_NUL}). */
    static final String NOT_BLANK_NO_NUL = "^(?=[\\s\\S]*\\S)[^\\x00]*$";

    /** Something other than white space ({@code @NotBlank}). */
    static final String NOT_BLANK = "^[\\s\\S]*\\S[\\s\\S]*$";

    /** A sale window's edge lies in the years 2000 to 2999 ({@link SaleMoment}). */
    static final String YEARS_2000_TO_2999 = "^2[0-9]{3}-";

    private Texts() {
    }
}
