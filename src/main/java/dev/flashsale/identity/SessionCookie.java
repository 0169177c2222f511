package dev.flashsale.identity;

import java.time.Duration;
import java.util.Optional;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.ResponseCookie;

/**
 * The web front end's session: the same signed bearer token an API client sends, kept by the
 * browser in an HttpOnly, SameSite=Strict cookie (scripts cannot read it; other sites cannot make
 * the browser send it). See docs/decisions/0012-web-front-end.md.
 */
public final class SessionCookie {

    public static final String NAME = "flashsale_session";

    private SessionCookie() {
    }

    /** The token the request's session cookie carries, if any. */
    public static Optional<String> token(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return Optional.empty();
        }
        for (Cookie cookie : cookies) {
            if (NAME.equals(cookie.getName()) && !cookie.getValue().isBlank()) {
                return Optional.of(cookie.getValue());
            }
        }
        return Optional.empty();
    }

    static ResponseCookie of(String token, Duration ttl, boolean secure) {
        return ResponseCookie.from(NAME, token).httpOnly(true).secure(secure).sameSite("Strict").path("/")
                .maxAge(ttl).build();
    }

    public static ResponseCookie cleared(boolean secure) {
        return ResponseCookie.from(NAME, "").httpOnly(true).secure(secure).sameSite("Strict").path("/")
                .maxAge(Duration.ZERO).build();
    }
}
