package dev.flashsale.identity;

import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Who is calling, by the same rules as the security filter chain (a valid bearer token first,
 * then a valid session cookie, then the trusted header when switched on), for code that runs before that chain: the hot-path
 * filter answers only requests whose caller this identifies, and leaves every other request —
 * missing or invalid identity included — to the chain, which answers it as usual.
 */
public class Callers {

    private static final String BEARER = "Bearer ";

    private final String trustedHeader;
    private final Sessions sessions;

    Callers(String trustedHeader, Sessions sessions) {
        this.trustedHeader = trustedHeader;
        this.sessions = sessions;
    }

    public Optional<String> userId(HttpServletRequest request) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return Optional.empty();
            }
            return sessions.verified(authorization.substring(BEARER.length())).map(Jwt::getSubject);
        }
        Optional<String> cookieUser = sessions.validCookie(request).map(Jwt::getSubject);
        if (cookieUser.isPresent()) {
            return cookieUser;
        }
        if (trustedHeader != null) {
            String userId = request.getHeader(trustedHeader);
            if (UserIds.isValid(userId)) {
                return Optional.of(userId);
            }
        }
        return Optional.empty();
    }
}
