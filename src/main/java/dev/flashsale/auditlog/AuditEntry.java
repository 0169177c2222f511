package dev.flashsale.auditlog;

import java.time.Instant;

import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;

/** One line of the admin audit log. */
@Schema(name = "AuditEntry")
public record AuditEntry(
        @Schema(description = "increases with each entry; pass it as before= to read older ones") long id,
        Instant at,
        @Schema(description = "a session's or token's subject, \"admin key\", or \"anonymous\" (a refused credential)",
                example = "admin:console") String actor,
        @Schema(description = "the client address as the service saw it", example = "203.0.113.7") String sourceAddress,
        @Schema(description = "product.create, product.edit, product.stock, outbox.retry, reconciler.run, "
                + "admin.sign-in, admin.key, admin.lockout", example = "product.stock") String action,
        @Schema(description = "what it was done to: a product or publication id, or a request", nullable = true)
        String target,
        @Schema(description = "the fields as they were (only those that changed), or null",
                implementation = Object.class, nullable = true) JsonNode before,
        @Schema(description = "the fields as they became, or the result, or null", implementation = Object.class,
                nullable = true) JsonNode after,
        @Schema(description = "ok, refused, failed or skipped", example = "ok") String outcome) {
}
