package dev.flashsale.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The metrics scraper's credential: {@code Authorization: Bearer <flashsale.security.metrics-token>}
 * (compared in constant time) grants the metrics role, which reads {@code /actuator/prometheus}
 * and nothing else.
 */
class MetricsTokenFilter extends OncePerRequestFilter {

    static final String PRINCIPAL = "metrics:scraper";
    private static final List<SimpleGrantedAuthority> METRICS = List.of(new SimpleGrantedAuthority(Roles.METRICS));

    private final byte[] token;

    MetricsTokenFilter(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether this bearer value is the metrics token (then it is no JWT to decode). */
    boolean matches(String bearer) {
        return bearer != null && MessageDigest.isEqual(token, bearer.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && matches(authorization.substring(7))) {
            SecurityContextHolder.getContext().setAuthentication(
                    UsernamePasswordAuthenticationToken.authenticated(PRINCIPAL, null, METRICS));
        }
        chain.doFilter(request, response);
    }
}
