package dev.flashsale.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.catalog.SaleState;
import dev.flashsale.identity.CurrentUser;
import dev.flashsale.inventory.PurchaseTokens;
import dev.flashsale.limits.ClientLimits;
import dev.flashsale.ordering.PurchaseRejection;
import dev.flashsale.web.Envelope;
import dev.flashsale.web.ProblemBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The purchase gate of gated sales (decision 0017): a challenge to solve, and the single-use
 * purchase token a solved challenge earns once the sale is open.
 */
@RestController
@RequestMapping({"/api/v1/sale", "/api/v1.0/sale"})
@ApiResponse(responseCode = "404", description = "no such product (PRODUCT_NOT_FOUND)",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
@ApiResponse(responseCode = "409", description = "the sale is not gated: buy without a token (SALE_NOT_GATED)",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
class PurchaseGateController {

    private final Catalog catalog;
    private final PurchaseChallenges challenges;
    private final PurchaseTokens tokens;
    private final GateProperties properties;
    private final Clock clock;
    private final ClientLimits limits;

    PurchaseGateController(Catalog catalog, PurchaseChallenges challenges, PurchaseTokens tokens,
                           GateProperties properties, Clock clock, ClientLimits limits) {
        this.limits = limits;
        this.catalog = catalog;
        this.challenges = challenges;
        this.tokens = tokens;
        this.properties = properties;
        this.clock = clock;
    }

    @Schema(name = "PurchaseTokenRequest")
    record TokenBody(
            @NotBlank(message = "is required") @Pattern(regexp = Uuids.PATTERN, message = "must be a UUID")
            String productId,
            @Size(max = 512, message = "must be at most 512 characters")
            @Schema(description = "the challenge from GET /sale/challenge (needed when the sale's difficulty is above 0)")
            String challenge,
            @Pattern(regexp = "[A-Za-z0-9_-]{1,64}", message = "must be 1 to 64 letters, digits, '-' or '_'")
            @Schema(description = "solves the challenge: SHA-256(challenge \":\" nonce) starts with difficulty zero bits",
                    example = "48213") String nonce) {
    }

    @Schema(name = "PurchaseToken")
    record TokenView(UUID productId, @Schema(description = "the user the token is bound to") String userId,
                     String purchaseToken,
                     @Schema(description = "the token is refused after this") Instant expiresAt) {
    }

    @GetMapping("/challenge/{productId}")
    @Operation(summary = "A proof-of-work challenge for a gated sale",
            description = "Find a nonce such that SHA-256(challenge + \":\" + nonce) has `difficulty` leading zero "
                    + "bits, then present both to POST /sale/purchase-token before `expiresAt`. Bound to the caller "
                    + "and the sale; earns one token.",
            security = {@SecurityRequirement(name = "bearer"), @SecurityRequirement(name = "userHeader")})
    @ApiResponse(responseCode = "200", description = "the challenge",
            content = @Content(schema = @Schema(implementation = Envelopes.Challenge.class)))
    @ApiResponse(responseCode = "403", description = "the sale has ended (SALE_ENDED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> challenge(@PathVariable UUID productId) {
        String userId = CurrentUser.id().orElseThrow(); // the security chain lets only shoppers in
        Product product = catalog.find(productId).orElse(null);
        ResponseEntity<?> refused = refusal(product, false);
        if (refused != null) {
            return refused;
        }
        return ResponseEntity.ok(Envelope.ok(challenges.issue(product, userId)));
    }

    @PostMapping("/purchase-token")
    @Operation(summary = "A single-use purchase token for a gated sale, once it is open",
            description = "Send it as `purchaseToken` with POST /sale/purchase. Bound to the caller and the sale, "
                    + "valid for flashsale.gate.token-ttl (2 minutes), spent by the purchase attempt that presents "
                    + "it. When the sale's difficulty is above 0, a solved challenge is needed.",
            security = {@SecurityRequirement(name = "bearer"), @SecurityRequirement(name = "userHeader")})
    @ApiResponse(responseCode = "201", description = "the token",
            content = @Content(schema = @Schema(implementation = Envelopes.PurchaseToken.class)))
    @ApiResponse(responseCode = "400", description = "malformed body or fields (VALIDATION_FAILED, MALFORMED_REQUEST)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "403", description = "the sale has not started or has ended (SALE_NOT_STARTED, "
            + "SALE_ENDED); no challenge and nonce given (CHALLENGE_REQUIRED); the challenge is forged, another "
            + "user's or sale's, expired, already used, or the nonce does not solve it (CHALLENGE_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "429", description = "too many purchase attempts from this user or address (RATE_LIMITED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> token(@Valid @RequestBody TokenBody body) {
        String userId = CurrentUser.id().orElseThrow(); // the security chain lets only shoppers in
        // a token is a step of a purchase attempt: it counts against the user's attempts
        Optional<Duration> throttled = limits.purchaseBy(userId);
        if (throttled.isPresent()) {
            return Rejections.throttled(throttled.get());
        }
        Product product = catalog.find(UUID.fromString(body.productId())).orElse(null);
        ResponseEntity<?> refused = refusal(product, true);
        if (refused != null) {
            return refused;
        }
        if (product.powDifficulty() > 0) {
            if (body.challenge() == null || body.nonce() == null) {
                return Rejections.challengeRequired("This sale needs a solved challenge (GET /api/v1/sale/challenge/" + product.id() + ")");
            }
            PurchaseChallenges.Check check = challenges.verify(product, userId, body.challenge(), body.nonce());
            if (check != PurchaseChallenges.Check.SOLVED) {
                return Rejections.challengeFailed("No token: " + check.reason + "; ask for a new challenge");
            }
        }
        String token = tokens.issue(product.id(), userId, properties.tokenTtl());
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(Envelope.ok(new TokenView(product.id(), userId, token, clock.instant().plus(properties.tokenTtl()))));
    }

    /** Why the gate of this sale does not answer now, or null if it does. */
    private ResponseEntity<?> refusal(Product product, boolean mustBeOpen) {
        if (product == null) {
            return Rejections.productNotFound();
        }
        if (!product.gated()) {
            return Rejections.notGated("This sale needs no purchase token; buy without one");
        }
        SaleState state = product.stateAt(clock.instant());
        if (state == SaleState.ENDED) {
            return Rejections.response(PurchaseRejection.SALE_ENDED, "The sale has ended");
        }
        if (mustBeOpen && state == SaleState.UPCOMING) {
            return Rejections.response(PurchaseRejection.SALE_NOT_STARTED, "The sale has not started yet");
        }
        return null;
    }
}
