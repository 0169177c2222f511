package dev.flashsale.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import dev.flashsale.web.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/** The static admin credential: {@code X-Admin-Key: <flashsale.security.admin-key>} makes the caller admin. */
class AdminKeyFilter extends OncePerRequestFilter {

    static final String HEADER = "X-Admin-Key";
    private static final List<SimpleGrantedAuthority> ADMIN = List.of(new SimpleGrantedAuthority(Roles.ADMIN));

    private final byte[] key;
    private final ProblemWriter problems;

    AdminKeyFilter(String key, ProblemWriter problems) {
        this.key = key.getBytes(StandardCharsets.UTF_8);
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = request.getHeader(HEADER);
        if (presented != null) {
            if (!MessageDigest.isEqual(key, presented.getBytes(StandardCharsets.UTF_8))) {
                problems.write(response, HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED", "Invalid admin key");
                return;
            }
            SecurityContextHolder.getContext().setAuthentication(
                    UsernamePasswordAuthenticationToken.authenticated("admin", null, ADMIN));
        }
        chain.doFilter(request, response);
    }
}
