package dev.flashsale.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.identity.CurrentUser;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.limits.StreamSlots;
import dev.flashsale.ordering.OrderQueries;
import dev.flashsale.ordering.PurchaseRequest;
import dev.flashsale.ordering.PurchaseResult;
import dev.flashsale.ordering.Purchases;
import dev.flashsale.web.Envelope;
import dev.flashsale.web.ErrorCodes;
import dev.flashsale.web.ProblemBody;
import dev.flashsale.web.TooManyRequests;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The public sale API, seed-compatible, under /api/v1 and the seed's /api/v1.0. */
@RestController
@RequestMapping({"/api/v1/sale", "/api/v1.0/sale"})
class SaleController {

    /** A refused stream may be asked for again once a departed client's stream is surely freed. */
    private static final Duration STREAM_RETRY = Duration.ofSeconds(5);

    private final Catalog catalog;
    private final Inventory inventory;
    private final Purchases purchases;
    private final OrderQueries orders;
    private final SaleViews views;
    private final SaleStreams streams;
    private final StreamSlots slots;
    private final Clock clock;

    SaleController(Catalog catalog, Inventory inventory, Purchases purchases, OrderQueries orders, SaleViews views,
                   SaleStreams streams, StreamSlots slots, Clock clock) {
        this.slots = slots;
        this.catalog = catalog;
        this.inventory = inventory;
        this.purchases = purchases;
        this.orders = orders;
        this.views = views;
        this.streams = streams;
        this.clock = clock;
    }

    @GetMapping(path = "/stream/{productId}", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "A sale's state and live stock as server-sent events",
            description = "Events named `sale` carrying `{sale, serverTime}`: `sale` is what GET /sale/status "
                    + "returns, `serverTime` the server's clock (for countdowns). Sent when the sale changes, at "
                    + "most every flashsale.web.stream-interval (250 ms), and at least every "
                    + "flashsale.web.stream-heartbeat (15 s).")
    @ApiResponse(responseCode = "200", description = "the stream",
            content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "404", description = "no such product (PRODUCT_NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "429", description = "this address holds as many streams as it may, or opens them too "
            + "often (RATE_LIMITED); poll GET /sale/status instead, or retry after Retry-After",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "503", description = "this instance holds as many streams as it may "
            + "(STREAMS_FULL); poll GET /sale/status instead, or retry after Retry-After",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> stream(@PathVariable UUID productId, HttpServletRequest http) {
        Optional<Product> product = catalog.find(productId);
        if (product.isEmpty()) {
            return Rejections.productNotFound();
        }
        String address = http.getRemoteAddr();
        Optional<StreamSlots.Refusal> refused = slots.claim(address);
        if (refused.isPresent()) {
            // and the connection closed: a client refused a stream is not kept connected either
            ResponseEntity<?> answer = switch (refused.get()) {
                case PER_ADDRESS -> TooManyRequests.response(STREAM_RETRY,
                        "Too many live streams from your address; the page can poll instead");
                case TOTAL -> TooManyRequests.response(HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.STREAMS_FULL, STREAM_RETRY,
                        "This server holds as many live streams as it may; the page can poll instead");
            };
            return ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders())
                    .header(HttpHeaders.CONNECTION, "close").body(answer.getBody());
        }
        return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                .header(HttpHeaders.CACHE_CONTROL, "no-cache").header("X-Accel-Buffering", "no")
                .body(streams.watch(product.get(), () -> slots.release(address)));
    }

    @GetMapping("/user/orders")
    @Operation(summary = "The caller's orders, newest first (at most 100)",
            security = {@SecurityRequirement(name = "bearer"), @SecurityRequirement(name = "userHeader")})
    @ApiResponse(responseCode = "200", description = "the orders")
    @ApiResponse(responseCode = "401", description = "no identity (UNAUTHENTICATED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    Envelope<List<UserOrderView>> userOrders() {
        String userId = CurrentUser.id().orElseThrow();
        return Envelope.ok(orders.ofUser(userId, 100).stream()
                .map(o -> UserOrderView.of(o, catalog.find(o.productId()).map(Product::name).orElse(null)))
                .toList());
    }

    @GetMapping("/status/{productId}")
    @Operation(summary = "A sale's state and live stock")
    @ApiResponse(responseCode = "200", description = "the sale",
            content = @Content(schema = @Schema(implementation = Envelopes.Sale.class)))
    @ApiResponse(responseCode = "400", description = "productId is not a UUID (VALIDATION_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "404", description = "no such product (PRODUCT_NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> status(@PathVariable UUID productId) {
        return catalog.find(productId)
                .<ResponseEntity<?>>map(p -> ResponseEntity.ok(Envelope.ok(view(p))))
                .orElseGet(Rejections::productNotFound);
    }

    @GetMapping("/first")
    @Operation(summary = "The most recently created sale", description = "The seed's load test discovers its product here.")
    @ApiResponse(responseCode = "200", description = "the sale",
            content = @Content(schema = @Schema(implementation = Envelopes.Sale.class)))
    @ApiResponse(responseCode = "404", description = "there is no product yet (PRODUCT_NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> first() {
        return catalog.newest()
                .<ResponseEntity<?>>map(p -> ResponseEntity.ok(Envelope.ok(view(p))))
                .orElseGet(() -> Rejections.productNotFound("No products found"));
    }

    @GetMapping("/products")
    @Operation(summary = "Sales that are live now or start later, soonest first, a page at a time")
    @ApiResponse(responseCode = "200", description = "a page of sales")
    @ApiResponse(responseCode = "400", description = "limit or offset out of bounds (VALIDATION_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    Envelope<List<SaleView>> products(
            @Parameter(description = "sales per page, 1 to 100 (else 400 VALIDATION_FAILED)")
            @RequestParam(defaultValue = "100") @Min(1) @Max(100) int limit,
            @Parameter(description = "sales to skip, 0 or more (else 400 VALIDATION_FAILED)")
            @RequestParam(defaultValue = "0") @Min(0) int offset) {
        List<Product> products = catalog.liveAndUpcoming(limit, offset);
        Instant now = clock.instant();
        try {
            Map<UUID, Integer> available = inventory.available(products);
            return Envelope.ok(products.stream().map(p -> SaleView.of(p, available.get(p.id()), now)).toList());
        } catch (DataAccessException redisDown) {
            return Envelope.ok(products.stream().map(p -> SaleView.fromDatabase(p, now)).toList());
        }
    }

    @PostMapping("/purchase")
    @Operation(summary = "Buy a product as the caller",
            description = "201 means the order is committed in PostgreSQL. Each user buys a product once, "
                    + "at most its per-user limit.",
            security = {@SecurityRequirement(name = "bearer"), @SecurityRequirement(name = "userHeader")})
    @ApiResponse(responseCode = "201", description = "purchased; the order is committed",
            content = @Content(schema = @Schema(implementation = Envelopes.Purchase.class)))
    @ApiResponse(responseCode = "400", description = "malformed body, productId missing or not a UUID, quantity out of "
            + "range (VALIDATION_FAILED, MALFORMED_REQUEST) or above the per-user limit (QUANTITY_ABOVE_LIMIT)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "401", description = "no identity (UNAUTHENTICATED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "403", description = "the sale has not started or has ended (SALE_NOT_STARTED, SALE_ENDED); "
            + "a gated sale without a purchase token (PURCHASE_TOKEN_REQUIRED) or with one that is unknown, used, "
            + "expired or another user's (PURCHASE_TOKEN_INVALID)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "404", description = "no such product (PRODUCT_NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "409", description = "already bought (ALREADY_PURCHASED), sold out (SOLD_OUT), fewer "
            + "units left than asked (INSUFFICIENT_STOCK), a unit was just taken, retry (INVENTORY_CONFLICT), or "
            + "the caller's address holds as many units as the sale's per-address cap allows (ADDRESS_LIMIT_REACHED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "413", description = "body larger than the limit (PAYLOAD_TOO_LARGE)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "429", description = "too many attempts from this user or address (RATE_LIMITED); "
            + "retry after the Retry-After header's seconds",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> purchase(@Valid @RequestBody PurchaseBody body, HttpServletRequest http) {
        String userId = CurrentUser.id().orElseThrow();
        UUID productId = UUID.fromString(body.productId());
        PurchaseResult result = purchases.answeredAtOnce(productId, userId, body.quantityOrOne())
                .orElseGet(() -> purchases.purchase(new PurchaseRequest(productId, userId, body.quantityOrOne(),
                        PurchaseRequest.metadata(http.getRemoteAddr(), http.getHeader(HttpHeaders.USER_AGENT)),
                        body.purchaseToken())));
        return switch (result) {
            case PurchaseResult.Purchased(var order) ->
                    ResponseEntity.status(HttpStatus.CREATED).body(Envelope.ok(OrderView.of(order)));
            case PurchaseResult.Rejected(var reason, var message) -> Rejections.response(reason, message);
            case PurchaseResult.Throttled(var retryAfter) -> Rejections.throttled(retryAfter);
        };
    }

    @GetMapping("/user/status")
    @Operation(summary = "Has the caller bought this product, and the order",
            security = {@SecurityRequirement(name = "bearer"), @SecurityRequirement(name = "userHeader")})
    @ApiResponse(responseCode = "200", description = "the caller's status",
            content = @Content(schema = @Schema(implementation = Envelopes.UserStatus.class)))
    @ApiResponse(responseCode = "400", description = "productId missing or not a UUID (VALIDATION_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "401", description = "no identity (UNAUTHENTICATED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "404", description = "no such product (PRODUCT_NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> userStatus(@Parameter(required = true) @RequestParam UUID productId) {
        String userId = CurrentUser.id().orElseThrow();
        if (catalog.find(productId).isEmpty()) {
            return Rejections.productNotFound();
        }
        var order = orders.current(productId, userId).map(OrderView::of).orElse(null);
        return ResponseEntity.ok(Envelope.ok(new UserStatusView(productId, userId, order != null, order)));
    }

    private SaleView view(Product product) {
        return views.liveOrDegraded(product);
    }
}
