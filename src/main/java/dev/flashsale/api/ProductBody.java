package dev.flashsale.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

import dev.flashsale.catalog.NewProduct;
import dev.flashsale.web.Texts;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** A new sale. Without a window it opens now and lasts a day. Fields it does not declare are refused. */
@Schema(name = "CreateProductRequest")
public record ProductBody(
        @NotBlank(message = "is required") @Size(max = 200, message = "must be at most 200 characters")
        @Pattern(regexp = "[^\\x00]*", message = "must not contain the NUL character")
        @Schema(example = "Demo drop: limited sneakers", minLength = 1, pattern = Texts.NOT_BLANK_NO_NUL) String name,
        @Size(max = 5000, message = "must be at most 5000 characters")
        @Pattern(regexp = "[^\\x00]*", message = "must not contain the NUL character")
        @Schema(pattern = Texts.NO_NUL, example = "A demo sale created by local mode: 200 pairs, one per customer.") String description,
        @NotNull(message = "is required") @DecimalMin(value = "0.00", message = "must not be negative")
        @Digits(integer = 10, fraction = 2, message = "must have at most 10 digits and 2 decimals")
        @Schema(example = "49.99", maximum = "9999999999.99", multipleOf = 0.01) BigDecimal price,
        @NotNull(message = "is required") @Min(value = 1, message = "must be at least 1")
        @Max(value = 10_000_000, message = "must be at most 10000000")
        @Schema(example = "200") Integer totalQuantity,
        @Min(value = 1, message = "must be at least 1") @Max(value = 1000, message = "must be at most 1000")
        @Schema(description = "units one user may buy, 1 if absent", example = "1") Integer perUserLimit,
        @SaleMoment @Schema(description = "when the sale opens (2000 to 2999, UTC); now if absent",
                pattern = Texts.YEARS_2000_TO_2999) Instant saleStartAt,
        @SaleMoment @Schema(description = "when the sale is over (2000 to 2999, UTC); a day after the start if absent",
                pattern = Texts.YEARS_2000_TO_2999) Instant saleEndAt,
        @Min(value = 1, message = "must be at least 1") @Max(value = 10_000_000, message = "must be at most 10000000")
        @Schema(description = "units all orders from one client address may hold; no cap if absent or null. "
                + "Shoppers behind one NAT or proxy share the cap", example = "4") Integer perAddressLimit,
        @Schema(description = "purchases need a single-use purchase token (POST /sale/purchase-token); "
                + "false if absent") Boolean gated,
        @Min(value = 0, message = "must be at least 0") @Max(value = 24, message = "must be at most 24")
        @Schema(description = "leading zero bits of the proof of work a gated sale's token costs the shopper's "
                + "browser (each bit doubles it; 16 is about a second); 0 if absent: a token without a challenge",
                example = "16") Integer powDifficulty,
        @Size(max = 32, message = "must be at most 32 characters")
        @Schema(description = HoldWindows.DESCRIPTION, example = "PT10M", nullable = true) String holdFor,
        @Min(value = 1, message = "must be at least 1") @Max(value = 16, message = "must be at most 16")
        @Schema(description = "pools the live stock is split into, each on its own Redis hash slot, so that one "
                + "sale can use several masters of a Redis Cluster; 1 if absent. A sale with more than one "
                + "takes no per-address cap and no purchase gate", example = "1") Integer shards,
        @Schema(description = "ignored: a sale's state follows from its window (the seed's admin front end sends "
                + "one)", deprecated = true) String status) {

    /** How long a sale lasts when the body gives no end. */
    static final Duration DEFAULT_LENGTH = Duration.ofDays(1);

    /**
     * The sale to create, absent fields given their defaults ({@code now} for an absent start).
     *
     * @throws IllegalArgumentException when {@code holdFor} is not a payment window
     */
    NewProduct definition(Instant now) {
        Instant start = saleStartAt != null ? saleStartAt : now;
        Instant end = saleEndAt != null ? saleEndAt : start.plus(DEFAULT_LENGTH);
        return new NewProduct(name.strip(), description, price, totalQuantity, perUserLimit != null ? perUserLimit : 1,
                start, end, perAddressLimit, Boolean.TRUE.equals(gated), powDifficulty != null ? powDifficulty : 0,
                HoldWindows.parse(holdFor), shards != null ? shards : 1);
    }
}
