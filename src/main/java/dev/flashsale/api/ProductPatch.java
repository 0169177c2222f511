package dev.flashsale.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.flashsale.catalog.ProductChanges;
import dev.flashsale.web.Texts;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import tools.jackson.databind.JsonNode;

/** Changes to a sale; absent fields keep their value ({@code perAddressLimit}, {@code holdFor}: null switches it off). */
@Schema(name = "UpdateProductRequest")
public record ProductPatch(
        @Size(min = 1, max = 200, message = "must be 1 to 200 characters") @Pattern(regexp = ".*\\S.*", message = "must not be blank")
        @Pattern(regexp = "[^\\x00]*", message = "must not contain the NUL character")
        @Schema(pattern = Texts.NOT_BLANK_NO_NUL) String name,
        @Size(max = 5000, message = "must be at most 5000 characters")
        @Pattern(regexp = "[^\\x00]*", message = "must not contain the NUL character")
        @Schema(pattern = Texts.NO_NUL) String description,
        @DecimalMin(value = "0.00", message = "must not be negative")
        @Digits(integer = 10, fraction = 2, message = "must have at most 10 digits and 2 decimals")
        @Schema(maximum = "9999999999.99", multipleOf = 0.01) BigDecimal price,
        @Min(value = 1, message = "must be at least 1") @Max(value = 10_000_000, message = "must be at most 10000000")
        @Schema(description = "new total stock: raising adds to the live stock at once; lowering below what is "
                + "sold or reserved is refused") Integer totalQuantity,
        @Min(value = 1, message = "must be at least 1") @Max(value = 1000, message = "must be at most 1000")
        Integer perUserLimit,
        @SaleMoment @Schema(description = "2000 to 2999, UTC", pattern = Texts.YEARS_2000_TO_2999) Instant saleStartAt,
        @SaleMoment @Schema(description = "2000 to 2999, UTC", pattern = Texts.YEARS_2000_TO_2999) Instant saleEndAt,
        @Schema(description = "units all orders from one client address may hold (1 to 10000000); null switches "
                + "the cap off", implementation = Integer.class, nullable = true, minimum = "1", maximum = "10000000")
        JsonNode perAddressLimit,
        @Schema(description = "purchases need a single-use purchase token") Boolean gated,
        @Min(value = 0, message = "must be at least 0") @Max(value = 24, message = "must be at most 24")
        @Schema(description = "leading zero bits of the proof of work a gated sale's token costs") Integer powDifficulty,
        @Schema(description = HoldWindows.DESCRIPTION + ". Applies to purchases from then on; null switches it off",
                implementation = String.class, nullable = true, example = "PT10M") JsonNode holdFor,
        @Min(value = 1, message = "must be at least 1") @Max(value = 16, message = "must be at most 16")
        @Schema(description = "pools the live stock is split into, each on its own Redis hash slot; changes only "
                + "while no unit is reserved, held or sold") Integer shards) {

    /**
     * The changes as the catalog applies them.
     *
     * @throws IllegalArgumentException when {@code perAddressLimit} is neither null nor an integer in range
     */
    ProductChanges changes() {
        return new ProductChanges(name != null ? name.strip() : null, description, price, perUserLimit, saleStartAt,
                saleEndAt, perAddressLimitChange(), gated, powDifficulty, holdForChange(), shards);
    }

    /**
     * The window as sent: null when absent (keep it), empty for an explicit null (switch it off).
     *
     * @throws IllegalArgumentException when it is neither null nor a payment window
     */
    private Optional<Duration> holdForChange() {
        if (holdFor == null) {
            return null;
        }
        if (holdFor.isNull()) {
            return Optional.empty();
        }
        if (!holdFor.isString()) {
            throw new IllegalArgumentException(HoldWindows.RULE);
        }
        return Optional.of(HoldWindows.parse(holdFor.asString()));
    }

    static final String PER_ADDRESS_LIMIT_RULE = "perAddressLimit: must be an integer from 1 to 10000000, or null";

    /**
     * The cap as sent: null when absent (keep it), empty for an explicit null (switch it off). A
     * JSON node because a record cannot tell an absent field from a null one otherwise.
     *
     * @throws IllegalArgumentException when it is neither null nor an integer in range
     */
    private Optional<Integer> perAddressLimitChange() {
        if (perAddressLimit == null) {
            return null;
        }
        if (perAddressLimit.isNull()) {
            return Optional.empty();
        }
        if (!perAddressLimit.isIntegralNumber() || !perAddressLimit.canConvertToInt()
                || perAddressLimit.asInt() < 1 || perAddressLimit.asInt() > 10_000_000) {
            throw new IllegalArgumentException(PER_ADDRESS_LIMIT_RULE);
        }
        return Optional.of(perAddressLimit.asInt());
    }
}
