package dev.flashsale.web;

import io.swagger.v3.oas.annotations.media.Schema;

/** The shape of every failure body, for the API documentation. */
@Schema(name = "Problem", description = "RFC 9457 problem details with the seed's success/error fields")
public record ProblemBody(
        @Schema(example = "urn:problem:flashsale:sold-out") String type,
        @Schema(example = "Conflict") String title,
        @Schema(example = "409") int status,
        @Schema(example = "Sold out") String detail,
        @Schema(example = "false") boolean success,
        @Schema(description = "stable machine-readable code", example = "SOLD_OUT") String code,
        @Schema(description = "the message, as the seed's clients read it", example = "Sold out") String error,
        @Schema(description = "the message again, as the seed's front end reads it", example = "Sold out") String message) {
}
