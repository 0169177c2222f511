package dev.flashsale.api;

import java.math.BigDecimal;
import java.time.Instant;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** Changes to a sale; absent fields keep their value. */
@Schema(name = "UpdateProductRequest")
public record ProductPatch(
        @Size(min = 1, max = 200, message = "must be 1 to 200 characters") @Pattern(regexp = ".*\\S.*", message = "must not be blank")
        String name,
        @Size(max = 5000, message = "must be at most 5000 characters") String description,
        @DecimalMin(value = "0.00", message = "must not be negative")
        @Digits(integer = 10, fraction = 2, message = "must have at most 10 digits and 2 decimals") BigDecimal price,
        @Min(value = 1, message = "must be at least 1") @Max(value = 10_000_000, message = "must be at most 10000000")
        @Schema(description = "new total stock: raising adds to the live stock at once; lowering below what is "
                + "sold or reserved is refused") Integer totalQuantity,
        @Min(value = 1, message = "must be at least 1") @Max(value = 1000, message = "must be at most 1000")
        Integer perUserLimit,
        Instant saleStartAt,
        Instant saleEndAt) {
}
