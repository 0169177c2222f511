package dev.flashsale.api;

import java.io.ByteArrayInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.identity.ApiHeaders;
import dev.flashsale.identity.Callers;
import dev.flashsale.ordering.PurchaseRequest;
import dev.flashsale.ordering.PurchaseResult;
import dev.flashsale.ordering.Purchases;
import dev.flashsale.web.Envelope;
import dev.flashsale.web.ProblemCounts;
import dev.flashsale.web.Problems;
import dev.flashsale.web.RequestTraces;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * The two requests a flash sale is made of, answered before the security chain and Spring MVC
 * when nothing but a lookup is needed:
 * <ul>
 * <li>{@code GET /sale/status/{id}} of a known product, from the cached definition and the stock
 *     this instance saw within the local-stock TTL;</li>
 * <li>{@code POST /sale/purchase} by an identified caller with a well-formed body: the purchase
 *     itself ({@link Purchases}), without a Redis call when this instance already knows the answer
 *     (the caller bought it, or it was seen sold out a moment ago). Answers as the controller does:
 *     201 with the order, the rejection's problem, or 503 when a dependency failed.</li>
 * </ul>
 * Every other request — missing or invalid identity, an admin session or any request carrying
 * the admin key (no shopper's), a body the full path would refuse or that needs its reading (not
 * JSON, malformed, a quantity that is not a plain integer in range) — goes on unchanged (its body
 * replayed) to the full path, which answers it as always. The caller's identity is read as the
 * security chain reads it ({@link Callers}), and a purchase needs no more than an identity there.
 * Measured in docs/PERFORMANCE.md.
 */
class HotPath extends OncePerRequestFilter {

    private static final Pattern STATUS = Pattern.compile("/api/v1(?:\\.0)?/sale/status/([0-9a-fA-F-]{36})");
    private static final Pattern UUID_TEXT = Pattern.compile(Uuids.PATTERN);
    private static final Pattern TOKEN_TEXT = Pattern.compile(PurchaseBody.TOKEN_PATTERN);
    /** The fields a purchase body may have: any other makes it the full path's to refuse. */
    private static final Set<String> PURCHASE_FIELDS = Arrays.stream(PurchaseBody.class.getRecordComponents())
            .map(RecordComponent::getName).collect(Collectors.toUnmodifiableSet());

    private final Catalog catalog;
    private final SaleViews views;
    private final Purchases purchases;
    private final Callers callers;
    private final JsonMapper json;
    private final ProblemCounts problemCounts;
    private final RequestTraces traces;
    private final int maxBody;

    HotPath(Catalog catalog, SaleViews views, Purchases purchases, Callers callers, JsonMapper json,
            ProblemCounts problemCounts, RequestTraces traces, int maxBody) {
        this.catalog = catalog;
        this.views = views;
        this.purchases = purchases;
        this.callers = callers;
        this.json = json;
        this.problemCounts = problemCounts;
        this.traces = traces;
        this.maxBody = maxBody;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        if ("GET".equals(request.getMethod()) && path.startsWith("/api/v1") && status(path, response, request)) {
            return;
        }
        if ("POST".equals(request.getMethod())
                && (path.equals("/api/v1/sale/purchase") || path.equals("/api/v1.0/sale/purchase"))) {
            purchase(request, response, chain);
            return;
        }
        chain.doFilter(request, response);
    }

    private boolean status(String path, HttpServletResponse response, HttpServletRequest request) throws IOException {
        var m = STATUS.matcher(path);
        if (!m.matches()) {
            return false;
        }
        Optional<Product> product = catalog.find(UUID.fromString(m.group(1)));
        if (product.isEmpty()) {
            return false;
        }
        SaleView view;
        try {
            view = views.live(product.get());
        } catch (DataAccessException redisDown) {
            return false;
        }
        route(request, "/api/v1/sale/status/{productId}");
        write(request, response, HttpStatus.OK, MediaType.APPLICATION_JSON_VALUE,
                json.writeValueAsBytes(Envelope.ok(view)));
        return true;
    }

    private void purchase(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String type = request.getContentType();
        Optional<String> caller = callers.userId(request);
        if (type == null || !type.startsWith(MediaType.APPLICATION_JSON_VALUE) || caller.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = body(request);
        Optional<Attempt> attempt = body.length <= maxBody ? attempt(body) : Optional.empty();
        if (attempt.isEmpty()) {
            chain.doFilter(new Replay(request, body), response);
            return;
        }
        route(request, "/api/v1/sale/purchase");
        UUID productId = attempt.get().productId();
        int units = attempt.get().units();
        PurchaseResult result;
        try {
            result = purchases.answeredAtOnce(productId, caller.get(), units)
                    .orElseGet(() -> purchases.purchase(
                            new PurchaseRequest(productId, caller.get(), units,
                                    PurchaseRequest.metadata(request.getRemoteAddr(),
                                            request.getHeader(HttpHeaders.USER_AGENT)),
                                    attempt.get().purchaseToken())));
        } catch (RuntimeException failed) {
            problem(request, response, Problems.failure(failed)); // as the controller advice answers it
            return;
        }
        switch (result) {
            case PurchaseResult.Purchased(var order) -> write(request, response, HttpStatus.CREATED,
                    MediaType.APPLICATION_JSON_VALUE, json.writeValueAsBytes(Envelope.ok(OrderView.of(order))));
            case PurchaseResult.Rejected(var reason, var message) ->
                    problem(request, response, Rejections.response(reason, message));
            case PurchaseResult.Throttled(var retryAfter) -> problem(request, response, Rejections.throttled(retryAfter));
        }
    }

    private void problem(HttpServletRequest request, HttpServletResponse response, ResponseEntity<ProblemDetail> answer)
            throws IOException {
        answer.getHeaders().forEach((name, values) -> {
            if (!HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name)) {
                values.forEach(value -> response.addHeader(name, value)); // Retry-After
            }
        });
        ProblemDetail problem = answer.getBody();
        problemCounts.count(problem);
        traces.stamp(problem);
        problem.setInstance(URI.create(request.getRequestURI()));
        write(request, response, HttpStatus.valueOf(answer.getStatusCode().value()),
                Problems.PROBLEM_JSON.toString(), json.writeValueAsBytes(Problems.asMap(problem)));
    }

    /** A well-formed attempt: product, quantity and purchase token valid exactly as the full path checks them. */
    private record Attempt(UUID productId, int units, String purchaseToken) {
    }

    /**
     * The request body, up to one byte past the limit. With a Content-Length (the body-size filter
     * has refused one above the limit) exactly that many bytes are read into an array of that
     * size: {@code readNBytes(int)} allocates a 16 KB buffer per call, which was 91 % of the
     * bytes the JVM allocated per rejected purchase (JFR, scenario A).
     */
    private byte[] body(HttpServletRequest request) throws IOException {
        int declared = request.getContentLength();
        if (declared < 0 || declared > maxBody) {
            return request.getInputStream().readNBytes(maxBody + 1);
        }
        byte[] body = new byte[declared];
        int read = request.getInputStream().readNBytes(body, 0, declared);
        return read == declared ? body : Arrays.copyOf(body, read);
    }

    /** The attempt, if the body is one the full path would accept as it is; else the full path answers it. */
    private Optional<Attempt> attempt(byte[] body) {
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JacksonException malformed) {
            return Optional.empty();
        }
        if (node == null || !node.isObject() || node.size() > PURCHASE_FIELDS.size()) {
            return Optional.empty();
        }
        for (String field : node.propertyNames()) {
            if (!PURCHASE_FIELDS.contains(field)) {
                return Optional.empty();
            }
        }
        JsonNode userId = node.get("userId"); // the seed's clients send one; it is ignored, but typed
        if (userId != null && !userId.isNull() && !userId.isString()) {
            return Optional.empty();
        }
        JsonNode productId = node.get("productId");
        JsonNode quantity = node.get("quantity");
        if (productId == null || !productId.isString() || !UUID_TEXT.matcher(productId.asString()).matches()) {
            return Optional.empty();
        }
        int units = 1;
        if (quantity != null && !quantity.isNull()) {
            if (!quantity.isInt() || !PurchaseBody.validQuantity(quantity.asInt())) {
                return Optional.empty();
            }
            units = quantity.asInt();
        }
        JsonNode token = node.get("purchaseToken"); // only gated sales' clients send one
        if (token != null && !token.isNull() && (!token.isString() || !TOKEN_TEXT.matcher(token.asString()).matches())) {
            return Optional.empty();
        }
        return Optional.of(new Attempt(UUID.fromString(productId.asString()), units,
                token == null || token.isNull() ? null : token.asString()));
    }

    /**
     * Names the route in the request's HTTP metrics (the {@code uri} tag), as Spring MVC's handler
     * mapping does for the requests it serves; unnamed, they would count as {@code UNKNOWN}.
     */
    private static void route(HttpServletRequest request, String pattern) {
        if (request.getAttribute(ServerHttpObservationFilter.CURRENT_OBSERVATION_CONTEXT_ATTRIBUTE)
                instanceof ServerRequestObservationContext observed) {
            observed.setPathPattern(pattern);
        }
    }

    private static void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String type,
                              byte[] bytes) throws IOException {
        response.setStatus(status.value());
        response.setContentType(type); // UTF-8, JSON's encoding, unnamed (as Spring MVC answers)
        ApiHeaders.write(request, response);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** The request with its body, already read, readable again. */
    private static final class Replay extends HttpServletRequestWrapper {

        private final byte[] body;

        Replay(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already in memory");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
