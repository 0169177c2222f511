package dev.flashsale.reconciliation;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.auditlog.AuditAction;
import dev.flashsale.auditlog.AuditLog;
import dev.flashsale.auditlog.AuditOutcome;
import dev.flashsale.identity.CurrentUser;
import dev.flashsale.web.Envelope;
import dev.flashsale.web.ErrorCodes;
import dev.flashsale.web.ProblemBody;
import dev.flashsale.web.Problems;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Consistency, as operators see it: the audit (read-only) and the reconciler (repairs). */
@RestController
@RequestMapping({"/api/v1/admin", "/api/v1.0/admin"})
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "adminKey")
class OperationsController {

    private final Audit audit;
    private final Reconciler reconciler;
    private final AuditLog auditLog;
    private final Clock clock;

    OperationsController(Audit audit, Reconciler reconciler, AuditLog auditLog, Clock clock) {
        this.audit = audit;
        this.reconciler = reconciler;
        this.auditLog = auditLog;
        this.clock = clock;
    }

    /** Success bodies of operations that answer a problem or null too: for the API documentation only. */
    @Schema(name = "EnvelopeProductAudit")
    record AuditEnvelope(boolean success, ProductAudit data) {
    }

    @Schema(name = "EnvelopeLastReconcileReport")
    record LastReportEnvelope(boolean success,
                              @Schema(description = "null when this instance ran no pass yet", nullable = true)
                              ReconcileReport data) {
    }

    @GetMapping("/audit/{productId}")
    @Operation(summary = "One product: Redis and PostgreSQL side by side, and whether I1, I2, I4, I5 hold")
    @ApiResponse(responseCode = "200", description = "the audit",
            content = @Content(schema = @Schema(implementation = AuditEnvelope.class)))
    @ApiResponse(responseCode = "404", description = "no such product (PRODUCT_NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> audit(@PathVariable UUID productId) {
        return audit.of(productId)
                .<ResponseEntity<?>>map(a -> ResponseEntity.ok(Envelope.ok(a)))
                .orElseGet(() -> Problems.response(HttpStatus.NOT_FOUND, ErrorCodes.PRODUCT_NOT_FOUND, "Product not found"));
    }

    @GetMapping("/audit")
    @Operation(summary = "Every product whose sale is live, upcoming or recently ended")
    @ApiResponse(responseCode = "200", description = "the audits")
    Envelope<List<ProductAudit>> auditAll() {
        return Envelope.ok(audit.active(clock.instant()));
    }

    @PostMapping("/reconciler/run")
    @Operation(summary = "Run a reconciler pass now and return its report",
            description = "ran=false means another instance is running a pass at this moment.")
    @ApiResponse(responseCode = "200", description = "the pass's report")
    Envelope<ReconcileReport> run(HttpServletRequest request) {
        ReconcileReport report = reconciler.run();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ran", report.ran());
        result.put("products", report.products());
        result.put("fullChecks", report.fullChecks());
        result.put("repaired", report.repairs().stream().map(r -> r.productId().toString()).limit(20).toList());
        result.put("errors", report.errors().size());
        AuditOutcome outcome = !report.ran() ? AuditOutcome.SKIPPED
                : report.errors().isEmpty() ? AuditOutcome.OK : AuditOutcome.FAILED;
        auditLog.recordOrWarn(CurrentUser.actor(request), AuditAction.RECONCILER_RUN, null, result, outcome);
        return Envelope.ok(report);
    }

    @GetMapping("/reconciler")
    @Operation(summary = "The last reconciler pass this instance ran")
    @ApiResponse(responseCode = "200", description = "the report, or null data if none ran yet",
            content = @Content(schema = @Schema(implementation = LastReportEnvelope.class)))
    Envelope<ReconcileReport> last() {
        return Envelope.ok(reconciler.lastReport());
    }
}
