package dev.flashsale.identity;

import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Which shopper is calling, by the same rules as the security filter chain (a valid bearer token
 * first, then a valid session cookie, then the trusted header when switched on and proven), for
 * code that runs before that chain: the hot-path filter answers only requests whose shopper this
 * identifies, and leaves every other request to the chain, which answers it as usual: missing or
 * invalid identity, an admin session (no shopper), and any request carrying the admin key (the
 * chain decides what a right or wrong key means).
 */
public class Callers {

    private static final String BEARER = "Bearer ";

    private final GatewayHeader trustedHeader;
    private final Sessions sessions;

    Callers(GatewayHeader trustedHeader, Sessions sessions) {
        this.trustedHeader = trustedHeader;
        this.sessions = sessions;
    }

    public Optional<String> userId(HttpServletRequest request) {
        if (request.getHeader(AdminKeyFilter.HEADER) != null) {
            return Optional.empty();
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return Optional.empty();
            }
            return sessions.verified(authorization.substring(BEARER.length())).map(Jwt::getSubject)
                    .filter(UserIds::isValid);
        }
        Optional<Jwt> cookie = sessions.validCookie(request);
        if (cookie.isPresent()) {
            return cookie.map(Jwt::getSubject).filter(UserIds::isValid);
        }
        if (trustedHeader != null) {
            return trustedHeader.presented(request).filter(UserIds::isValid);
        }
        return Optional.empty();
    }
}
