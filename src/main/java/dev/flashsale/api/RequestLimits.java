package dev.flashsale.api;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

import dev.flashsale.limits.ClientLimits;
import dev.flashsale.web.ProblemWriter;
import dev.flashsale.web.TooManyRequests;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The per-address limits of the sale API, before anything else is done for the request: purchase
 * attempts (and a gated sale's token requests), and reads (status, sale lists, stream openings, the
 * caller's own status and orders, a gated sale's challenges).
 * A refused request gets 429 {@code RATE_LIMITED} with Retry-After. Per-user limits are applied
 * by the purchase itself, where the user is known.
 *
 * <p>The instance's own rehearsal before it takes traffic ({@link Rehearsal}) goes through the same
 * checks, so that the first real crowd finds them compiled, but it is never refused: its requests
 * all come from one address, so each of its connections is counted as an address of its own.
 */
class RequestLimits extends OncePerRequestFilter {

    private final ClientLimits limits;
    private final ProblemWriter problems;
    private final Rehearsal rehearsal;

    RequestLimits(ClientLimits limits, ProblemWriter problems, Rehearsal rehearsal) {
        this.limits = limits;
        this.problems = problems;
        this.rehearsal = rehearsal;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !limits.enabled();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean rehearsing = rehearsal.owns(request);
        String address = rehearsing ? "rehearsal:" + request.getRemotePort() : request.getRemoteAddr();
        Optional<Duration> refused = switch (kind(request)) {
            case PURCHASE -> limits.purchaseFrom(address);
            case READ -> limits.readFrom(address);
            case OTHER -> Optional.empty();
        };
        if (refused.isPresent() && !rehearsing) {
            problems.write(response, TooManyRequests.response(refused.get(),
                    "Too many requests from your address; please wait a moment"));
            return;
        }
        chain.doFilter(request, response);
    }

    private enum Kind { PURCHASE, READ, OTHER }

    private static Kind kind(HttpServletRequest request) {
        String path = request.getRequestURI();
        int sale = path.startsWith("/api/v1/sale/") ? 13 : path.startsWith("/api/v1.0/sale/") ? 15 : -1;
        if (sale < 0) {
            return Kind.OTHER;
        }
        String method = request.getMethod();
        if ("POST".equals(method) && path.startsWith("purchase", sale)) { // the purchase, and a gated sale's token
            return Kind.PURCHASE;
        }
        if ("GET".equals(method) && !path.startsWith("admin/", sale)) {
            return Kind.READ;
        }
        return Kind.OTHER;
    }
}
