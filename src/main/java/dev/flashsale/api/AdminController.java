package dev.flashsale.api;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.administration.SaleAdministration;
import dev.flashsale.auditlog.AuditAction;
import dev.flashsale.auditlog.AuditLog;
import dev.flashsale.auditlog.AuditOutcome;
import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.NewProduct;
import dev.flashsale.catalog.Product;
import dev.flashsale.ordering.Holds;
import dev.flashsale.catalog.ProductChanges;
import dev.flashsale.identity.CurrentUser;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.outbox.Outbox;
import dev.flashsale.web.Envelope;
import dev.flashsale.web.ProblemBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Managing sales (admin only). Also under /api/v1/sale/admin, where the seed's front end looks. */
@RestController
@Validated
@RequestMapping({"/api/v1/admin", "/api/v1.0/admin", "/api/v1/sale/admin", "/api/v1.0/sale/admin"})
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "adminKey")
class AdminController {

    private final SaleAdministration administration;
    private final Catalog catalog;
    private final Inventory inventory;
    private final Outbox outbox;
    private final AuditLog auditLog;
    private final Clock clock;
    private final Holds holds;

    AdminController(SaleAdministration administration, Catalog catalog, Inventory inventory, Outbox outbox,
                    AuditLog auditLog, Clock clock, Holds holds) {
        this.administration = administration;
        this.catalog = catalog;
        this.inventory = inventory;
        this.outbox = outbox;
        this.auditLog = auditLog;
        this.clock = clock;
        this.holds = holds;
    }

    @PostMapping("/products")
    @Operation(summary = "Put a product on sale")
    @ApiResponse(responseCode = "201", description = "created, and its stock is live in Redis",
            content = @Content(schema = @Schema(implementation = Envelopes.AdminProduct.class)))
    @ApiResponse(responseCode = "400", description = "invalid fields or window (VALIDATION_FAILED, MALFORMED_REQUEST)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> create(@Valid @RequestBody ProductBody body, HttpServletRequest request) {
        NewProduct definition;
        try {
            definition = body.definition(clock.instant());
        } catch (IllegalArgumentException invalid) {
            return Rejections.invalid(invalid.getMessage());
        }
        return answer(administration.create(definition, CurrentUser.actor(request)), HttpStatus.CREATED);
    }

    @GetMapping("/products")
    @Operation(summary = "All products, newest first")
    @ApiResponse(responseCode = "200", description = "a page of products")
    @ApiResponse(responseCode = "400", description = "limit or offset out of bounds (VALIDATION_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    Envelope<List<AdminProductView>> list(
            @Parameter(description = "products per page, 1 to 500 (else 400 VALIDATION_FAILED)")
            @RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit,
            @Parameter(description = "products to skip, 0 or more (else 400 VALIDATION_FAILED)")
            @RequestParam(defaultValue = "0") @Min(0) int offset) {
        List<Product> products = catalog.all(limit, offset);
        Map<UUID, Integer> available = inventory.available(products);
        return Envelope.ok(products.stream()
                .map(p -> AdminProductView.of(p, available.get(p.id()), clock.instant()))
                .toList());
    }

    @GetMapping("/products/{id}")
    @Operation(summary = "One product")
    @ApiResponse(responseCode = "200", description = "the product",
            content = @Content(schema = @Schema(implementation = Envelopes.AdminProduct.class)))
    @ApiResponse(responseCode = "404", description = "no such product (PRODUCT_NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> get(@PathVariable UUID id) {
        return catalog.load(id)
                .<ResponseEntity<?>>map(p -> ResponseEntity.ok(Envelope.ok(view(p))))
                .orElseGet(Rejections::productNotFound);
    }

    @PatchMapping("/products/{id}")
    @Operation(summary = "Change a sale's name, price, limit, window or stock",
            description = "Raising the stock adds to the live Redis stock atomically; lowering it below the units "
                    + "sold or reserved is refused.")
    @ApiResponse(responseCode = "200", description = "changed",
            content = @Content(schema = @Schema(implementation = Envelopes.AdminProduct.class)))
    @ApiResponse(responseCode = "400", description = "invalid fields or window (VALIDATION_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "404", description = "no such product (PRODUCT_NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "409", description = "the new stock is below what is sold (STOCK_BELOW_SOLD)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> change(@PathVariable UUID id, @Valid @RequestBody ProductPatch patch, HttpServletRequest request) {
        ProductChanges changes;
        try {
            changes = patch.changes();
        } catch (IllegalArgumentException invalid) {
            return Rejections.invalid(invalid.getMessage());
        }
        return answer(administration.change(id, changes, patch.totalQuantity(), CurrentUser.actor(request)),
                HttpStatus.OK);
    }

    @GetMapping("/holds")
    @Operation(summary = "Payment holds: orders awaiting payment, due soon, expired or cancelled, and refunds to make",
            description = "Of one product, or of all when productId is absent. Refunds to make: payments that arrived "
                    + "after their order's deadline, for an order already paid or cancelled, or for another amount; "
                    + "the latest 50 are listed.")
    @ApiResponse(responseCode = "200", description = "the holds")
    Envelope<Holds.Overview> holds(@Parameter(description = "the product, or absent for all")
                                   @RequestParam(required = false) UUID productId) {
        return Envelope.ok(holds.overview(productId));
    }

    @GetMapping("/outbox")
    @Operation(summary = "The outbox backlog: deliveries not completed yet, and how many failed for good")
    @ApiResponse(responseCode = "200", description = "the backlog")
    Envelope<Outbox.Backlog> backlog() {
        return Envelope.ok(outbox.backlog());
    }

    @GetMapping("/outbox/failed")
    @Operation(summary = "Deliveries that used up their attempts (dead letters), oldest first")
    @ApiResponse(responseCode = "200", description = "the failed deliveries")
    @ApiResponse(responseCode = "400", description = "limit out of bounds (VALIDATION_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    Envelope<List<Outbox.FailedDelivery>> failed(
            @Parameter(description = "deliveries to list, 1 to 1000 (else 400 VALIDATION_FAILED)")
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
        return Envelope.ok(outbox.deadLetters(limit));
    }

    @PostMapping("/outbox/failed/retry")
    @Operation(summary = "Retry failed deliveries now: all of them, or the one given")
    @ApiResponse(responseCode = "202", description = "resubmitted")
    ResponseEntity<Envelope<Resubmitted>> retry(@RequestParam(required = false) UUID id,
                                                HttpServletRequest request) {
        String target = id == null ? "all" : id.toString();
        int resubmitted;
        try {
            resubmitted = outbox.retryFailed(id);
        } catch (RuntimeException e) {
            auditLog.recordOrWarn(CurrentUser.actor(request), AuditAction.OUTBOX_RETRY, target,
                    Map.of("error", e.getClass().getSimpleName()), AuditOutcome.FAILED);
            throw e;
        }
        auditLog.recordOrWarn(CurrentUser.actor(request), AuditAction.OUTBOX_RETRY, target,
                Map.of("resubmitted", resubmitted), AuditOutcome.OK);
        return ResponseEntity.accepted().body(Envelope.ok(new Resubmitted(target)));
    }

    record Resubmitted(@Schema(description = "\"all\", or the id of the one delivery resubmitted",
            pattern = "^(all|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$") String resubmitted) {
    }

    private ResponseEntity<?> answer(SaleAdministration.Result result, HttpStatus success) {
        return switch (result) {
            case SaleAdministration.Result.Done(var product) ->
                    ResponseEntity.status(success).body(Envelope.ok(view(product)));
            case SaleAdministration.Result.Refused(var reason, var message) -> Rejections.response(reason, message);
        };
    }

    private AdminProductView view(Product product) {
        return AdminProductView.of(product, inventory.available(product), clock.instant());
    }
}
