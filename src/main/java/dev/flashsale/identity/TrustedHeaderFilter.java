package dev.flashsale.identity;

import java.io.IOException;
import java.util.List;

import dev.flashsale.web.ErrorCodes;
import dev.flashsale.web.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Trusted-header mode: the user id comes from a header an authenticating gateway sets (the seed's
 * {@code X-User-Id}). Only for deployments where clients cannot reach the service but through
 * that gateway; off by default. A caller already identified by a token keeps that identity. Where
 * the gateway's proof is configured, a request without it is treated as carrying no user id
 * ({@link GatewayHeader}).
 */
class TrustedHeaderFilter extends OncePerRequestFilter {

    private static final List<SimpleGrantedAuthority> USER = List.of(new SimpleGrantedAuthority(Roles.USER));

    private final GatewayHeader header;
    private final ProblemWriter problems;

    TrustedHeaderFilter(GatewayHeader header, ProblemWriter problems) {
        this.header = header;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String userId = header.presented(request).orElse(null);
        var context = SecurityContextHolder.getContext();
        if (userId != null && (context.getAuthentication() == null || !context.getAuthentication().isAuthenticated())) {
            if (!UserIds.isValid(userId)) {
                problems.write(response, HttpStatus.UNAUTHORIZED, ErrorCodes.UNAUTHENTICATED,
                        header.name() + " must be " + UserIds.RULE);
                return;
            }
            context.setAuthentication(new PreAuthenticatedAuthenticationToken(userId, "N/A", USER));
        }
        chain.doFilter(request, response);
    }
}
