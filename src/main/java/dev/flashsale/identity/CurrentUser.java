package dev.flashsale.identity;

import java.time.Instant;
import java.util.Optional;

import dev.flashsale.auditlog.Actor;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** The caller's user id, whichever way they were identified. */
public final class CurrentUser {

    private CurrentUser() {
    }

    public static Optional<String> id() {
        return authenticated().map(Authentication::getName);
    }

    /**
     * The caller as the audit log names them: {@code "admin key"} when the admin key identified
     * them (it names no person), else their subject ({@code admin:console} for an admin session).
     */
    public static Optional<String> auditName() {
        return authenticated().map(auth -> AdminKeyFilter.VIA_KEY.equals(auth.getDetails())
                ? Actor.ADMIN_KEY : auth.getName());
    }

    /** The caller behind a request as the audit log records them: who, and from which address. */
    public static Actor actor(HttpServletRequest request) {
        return new Actor(auditName().orElse(Actor.ANONYMOUS), request.getRemoteAddr());
    }

    public static boolean isAdmin() {
        return authenticated().stream()
                .flatMap(auth -> auth.getAuthorities().stream())
                .anyMatch(a -> Roles.ADMIN.equals(a.getAuthority()));
    }

    /** When the caller's token runs out (callers identified otherwise have none). */
    static Optional<Instant> expiresAt() {
        return authenticated()
                .filter(JwtAuthenticationToken.class::isInstance)
                .map(auth -> ((JwtAuthenticationToken) auth).getToken().getExpiresAt());
    }

    private static Optional<Authentication> authenticated() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !auth.isAuthenticated() || auth instanceof AnonymousAuthenticationToken) {
            return Optional.empty();
        }
        return Optional.of(auth);
    }
}
