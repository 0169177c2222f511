package dev.flashsale.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.flashsale.auditlog.Actor;
import dev.flashsale.auditlog.AuditAction;
import dev.flashsale.auditlog.AuditLog;
import dev.flashsale.auditlog.AuditOutcome;
import dev.flashsale.limits.AdminLockout;
import dev.flashsale.web.ErrorCodes;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * Web sessions for the front end: a signed token (the same kind API clients send as a bearer
 * token) in an HttpOnly cookie. Users sign in by name only where demo sign-in is switched on;
 * admins sign in with the admin key wherever one is configured.
 */
public class Sessions {

    private final IdentityProperties identity;
    private final Tokens tokens;
    private final JwtDecoder decoder;
    private final Clock clock;
    private final AdminLockout lockout;
    private final Revocations revocations;
    private final RefusedAdminKeys refused;
    private final AuditLog audit;

    Sessions(IdentityProperties identity, Tokens tokens, JwtDecoder decoder, Clock clock, AdminLockout lockout,
             Revocations revocations, RefusedAdminKeys refused, AuditLog audit) {
        this.lockout = lockout;
        this.revocations = revocations;
        this.refused = refused;
        this.audit = audit;
        this.identity = identity;
        this.tokens = tokens;
        this.decoder = decoder;
        this.clock = clock;
    }

    public sealed interface Outcome permits SignedIn, Refused, LockedOut {
    }

    public record SignedIn(Session session, ResponseCookie cookie) implements Outcome {
    }

    public record Refused(HttpStatus status, String code, String message) implements Outcome {
    }

    /** @param signedIn false for an anonymous caller (userId null) */
    /** Too many wrong admin keys from this address: no key is looked at until {@code retryAfter} has passed. */
    public record LockedOut(Duration retryAfter) implements Outcome {
    }

    public record Session(boolean signedIn, String userId, boolean admin, Instant expiresAt) {
    }

    /** Which ways of signing in this instance offers (the sign-in page shows only those). */
    public record Offer(boolean byName, boolean admin) {
    }

    /** The decoder of this service's tokens (null without a secret), for the security chain. */
    JwtDecoder decoder() {
        return decoder;
    }

    public Offer offer() {
        return new Offer(identity.jwtSecret() != null && identity.demoSignIn(),
                identity.jwtSecret() != null && identity.adminKey() != null);
    }

    public Outcome signIn(String name, boolean secure) {
        if (!offer().byName()) {
            return new Refused(HttpStatus.FORBIDDEN, ErrorCodes.SIGN_IN_DISABLED, identity.jwtSecret() == null
                    ? "Sign-in needs a token secret (flashsale.security.jwt-secret), and none is configured"
                    : "Sign-in by name is switched off here (flashsale.security.demo-sign-in); "
                    + "use a bearer token from your identity provider");
        }
        if (!UserIds.isValid(name)) {
            return new Refused(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED, "name: must be " + UserIds.RULE);
        }
        return issue(name, List.of(), secure);
    }

    /**
     * Admin sign-in from the client {@code address}, which may be locked out (see {@link AdminLockout}).
     * A wrong key is recorded in the audit log as far as PostgreSQL allows; a session is issued only
     * once its sign-in is recorded (else the PostgreSQL failure is thrown).
     */
    public Outcome signInAdmin(String key, String address, boolean secure) {
        if (!offer().admin()) {
            return new Refused(HttpStatus.FORBIDDEN, ErrorCodes.SIGN_IN_DISABLED, identity.adminKey() == null
                    ? "No admin key is configured (flashsale.security.admin-key): the admin console is closed"
                    : "Sign-in needs a token secret (flashsale.security.jwt-secret), and none is configured");
        }
        Optional<Duration> locked = lockout.lockedOut(address);
        if (locked.isPresent()) {
            return new LockedOut(locked.get());
        }
        byte[] expected = identity.adminKey().getBytes(StandardCharsets.UTF_8);
        if (key == null || !MessageDigest.isEqual(expected, key.getBytes(StandardCharsets.UTF_8))) {
            refused.refused(address, AuditAction.ADMIN_SIGN_IN, null, "sign-in");
            return new Refused(HttpStatus.UNAUTHORIZED, ErrorCodes.UNAUTHENTICATED, "Invalid admin key");
        }
        Instant expiresAt = clock.instant().plus(identity.sessionTtl());
        audit.record(new Actor(UserIds.ADMIN_CONSOLE, address), AuditAction.ADMIN_SIGN_IN, null,
                Map.of("expiresAt", expiresAt.toString()), AuditOutcome.OK);
        return new SignedIn(new Session(true, UserIds.ADMIN_CONSOLE, true, expiresAt),
                SessionCookie.of(tokens.issueAdminSession(identity.sessionTtl()), identity.sessionTtl(), secure));
    }

    /**
     * Sign-out: the session cookie's token and the bearer token, whichever the request carries,
     * are revoked on every instance for the rest of their lifetime (not only forgotten by this
     * browser), so a copy kept elsewhere is refused too.
     */
    public void signOut(HttpServletRequest request) {
        validCookie(request).ifPresent(revocations::revoke);
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            verified(authorization.substring(7)).ifPresent(revocations::revoke);
        }
    }

    /** The caller as the security chain identified them. */
    public Session current() {
        return CurrentUser.id()
                .map(id -> new Session(true, id, CurrentUser.isAdmin(), CurrentUser.expiresAt().orElse(null)))
                .orElse(new Session(false, null, false, null));
    }

    /**
     * The request's session cookie token if it is valid now. An expired or forged cookie counts as
     * no cookie: the caller is anonymous rather than refused, so public pages keep working.
     */
    Optional<Jwt> validCookie(HttpServletRequest request) {
        return SessionCookie.token(request).flatMap(this::verified);
    }

    /**
     * The token, if it is one this service signed, unexpired, unrevoked, within the longest
     * lifetime, with a valid subject; else empty.
     */
    Optional<Jwt> verified(String token) {
        if (decoder == null) {
            return Optional.empty();
        }
        try {
            Jwt jwt = decoder.decode(token);
            SecurityConfiguration.authentication(jwt);
            return Optional.of(jwt);
        } catch (JwtException | AuthenticationException | IllegalArgumentException invalid) {
            return Optional.empty();
        }
    }

    private Outcome issue(String userId, List<String> roles, boolean secure) {
        Instant expiresAt = clock.instant().plus(identity.sessionTtl());
        String token = tokens.issue(userId, roles, identity.sessionTtl());
        return new SignedIn(new Session(true, userId, roles.contains("admin"), expiresAt),
                SessionCookie.of(token, identity.sessionTtl(), secure));
    }
}
