package dev.flashsale.web;

import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

/** The shape of every failure body, for the API documentation. */
@Schema(name = "Problem", description = "RFC 9457 problem details with the seed's success/error fields")
public record ProblemBody(
        @Schema(requiredMode = REQUIRED, example = "urn:problem:flashsale:sold-out") String type,
        @Schema(requiredMode = REQUIRED, example = "Conflict") String title,
        @Schema(requiredMode = REQUIRED, minimum = "400", maximum = "599", example = "409") int status,
        @Schema(requiredMode = REQUIRED, example = "Sold out") String detail,
        @Schema(description = "the request's path, where the answer came from the application's handlers",
                example = "/api/v1/sale/purchase") String instance,
        @Schema(requiredMode = REQUIRED, allowableValues = "false", example = "false") boolean success,
        @Schema(requiredMode = REQUIRED, description = "stable machine-readable code", pattern = "^[A-Z][A-Z_]*$",
                example = ErrorCodes.SOLD_OUT) String code,
        @Schema(requiredMode = REQUIRED, description = "the message, as the seed's clients read it",
                example = "Sold out") String error,
        @Schema(requiredMode = REQUIRED, description = "the message again, as the seed's front end reads it",
                example = "Sold out") String message,
        @Schema(description = "VALIDATION_FAILED of a body: each invalid field and what is wrong with it")
        List<FieldError> errors,
        @Schema(description = "the request's trace id (W3C trace context), as its log lines carry it; "
                + "absent where the container refused the request before the application saw it",
                pattern = "^[0-9a-f]{32}$", example = "4bf92f3577b34da6a3ce929d0e0e4736") String traceId) {

    @Schema(name = "FieldError")
    public record FieldError(@Schema(requiredMode = REQUIRED, example = "quantity") String field,
                             @Schema(requiredMode = REQUIRED, example = "must be at least 1") String message) {
    }
}
