package dev.flashsale.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.flashsale.auditlog.AuditAction;
import dev.flashsale.limits.AdminLockout;
import dev.flashsale.web.ErrorCodes;
import dev.flashsale.web.ProblemWriter;
import dev.flashsale.web.TooManyRequests;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The static admin credential: {@code X-Admin-Key: <flashsale.security.admin-key>} makes the caller
 * admin, as the admin console ({@link UserIds#ADMIN_CONSOLE}: no shopper, so it buys nothing). A wrong key is counted against the client address, and an address locked out after too
 * many is refused with 429 whatever key it sends ({@link AdminLockout}). A wrong key is recorded in
 * the audit log with the request it came with; a request refused while its address is locked out
 * is not (the lockout itself is, once), so a locked-out flood writes nothing.
 */
class AdminKeyFilter extends OncePerRequestFilter {

    static final String HEADER = "X-Admin-Key";
    static final String LOCKED_OUT = "Too many wrong admin keys from your address; try again later";
    /** The authentication's details when the admin key identified the caller (the audit log's actor). */
    static final String VIA_KEY = "admin-key";
    private static final int MAX_PATH = 200;
    private static final List<SimpleGrantedAuthority> ADMIN = List.of(new SimpleGrantedAuthority(Roles.ADMIN));

    private final byte[] key;
    private final ProblemWriter problems;
    private final AdminLockout lockout;
    private final RefusedAdminKeys refused;

    AdminKeyFilter(String key, ProblemWriter problems, AdminLockout lockout, RefusedAdminKeys refused) {
        this.key = key.getBytes(StandardCharsets.UTF_8);
        this.problems = problems;
        this.lockout = lockout;
        this.refused = refused;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = request.getHeader(HEADER);
        if (presented != null) {
            Optional<Duration> locked = lockout.lockedOut(request.getRemoteAddr());
            if (locked.isPresent()) {
                problems.write(response, TooManyRequests.response(locked.get(), LOCKED_OUT));
                return;
            }
            if (!MessageDigest.isEqual(key, presented.getBytes(StandardCharsets.UTF_8))) {
                refused.refused(request.getRemoteAddr(), AuditAction.ADMIN_KEY, request.getMethod() + " "
                        + abbreviated(request.getRequestURI()), "header");
                problems.write(response, HttpStatus.UNAUTHORIZED, ErrorCodes.UNAUTHENTICATED, "Invalid admin key");
                return;
            }
            UsernamePasswordAuthenticationToken admin =
                    UsernamePasswordAuthenticationToken.authenticated(UserIds.ADMIN_CONSOLE, null, ADMIN);
            admin.setDetails(VIA_KEY);
            SecurityContextHolder.getContext().setAuthentication(admin);
        }
        chain.doFilter(request, response);
    }

    private static String abbreviated(String path) {
        return path.length() <= MAX_PATH ? path : path.substring(0, MAX_PATH) + "…";
    }
}
