package dev.flashsale.api;

import dev.flashsale.auditlog.AuditLog;
import dev.flashsale.web.Envelope;
import dev.flashsale.web.ProblemBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** What admins did, and who tried to be one: the admin audit log, newest first (decision 0018). */
@RestController
@Validated
@RequestMapping({"/api/v1/admin", "/api/v1.0/admin"})
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "adminKey")
class AuditLogController {

    private final AuditLog auditLog;

    AuditLogController(AuditLog auditLog) {
        this.auditLog = auditLog;
    }

    @GetMapping("/audit-log")
    @Operation(summary = "Audit log entries, newest first",
            description = "Product changes, outbox retries, reconciler runs, admin sign-ins and refused admin keys, "
                    + "with who, when, from which address, and before/after. For older entries pass the page's "
                    + "nextBefore as before; nextBefore is null on the last page.")
    @ApiResponse(responseCode = "200", description = "a page of entries")
    @ApiResponse(responseCode = "400", description = "before or limit out of bounds (VALIDATION_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    Envelope<AuditLog.Page> page(
            @Parameter(description = "only entries with a smaller id, 1 or more (else 400 VALIDATION_FAILED); "
                    + "absent: from the newest")
            @RequestParam(required = false) @Min(1) Long before,
            @Parameter(description = "entries per page, 1 to 200 (else 400 VALIDATION_FAILED)")
            @RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit) {
        return Envelope.ok(auditLog.page(before, limit));
    }
}
