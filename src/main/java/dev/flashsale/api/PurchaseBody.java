package dev.flashsale.api;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/**
 * A purchase attempt. The buyer is the caller's identity, never a field of the body: the seed's
 * clients also send {@code userId}, which is accepted and ignored.
 */
@Schema(name = "PurchaseRequest")
public record PurchaseBody(
        @NotBlank(message = "is required")
        @Pattern(regexp = Uuids.PATTERN, message = "must be a UUID")
        @Schema(example = OpenApiLayout.EXAMPLE_ID) String productId,
        @Min(value = MIN_QUANTITY, message = "must be at least {value}")
        @Max(value = MAX_QUANTITY, message = "must be at most {value}")
        @Schema(description = "units to buy, 1 if absent; at most the product's per-user limit", example = "1")
        Integer quantity,
        @Schema(description = "ignored: the buyer is the authenticated caller", deprecated = true) String userId,
        @Pattern(regexp = TOKEN_PATTERN, message = "must be a purchase token")
        @Schema(description = "a gated sale's single-use purchase token (POST /sale/purchase-token); ignored by "
                + "other sales") String purchaseToken) {

    /** What a purchase token looks like (it is random, base64url). */
    static final String TOKEN_PATTERN = "[A-Za-z0-9_-]{16,64}";
    static final int MIN_QUANTITY = 1;
    static final int MAX_QUANTITY = 1000;

    /** A quantity as bean validation accepts it (the hot path checks it without a validator). */
    static boolean validQuantity(int quantity) {
        return quantity >= MIN_QUANTITY && quantity <= MAX_QUANTITY;
    }

    int quantityOrOne() {
        return quantity == null ? 1 : quantity;
    }
}
