package dev.flashsale.api;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The success bodies of operations that answer a problem too, whose Java return type therefore
 * cannot name them: for the API documentation only. Each is the seed's envelope,
 * {@code {"success": true, "data": ...}}, named as springdoc names a generic {@code Envelope<T>}.
 */
final class Envelopes {

    private Envelopes() {
    }

    @Schema(name = "EnvelopeSaleStatus")
    record Sale(boolean success, SaleView data) {
    }

    @Schema(name = "EnvelopeOrder")
    record Purchase(boolean success, OrderView data) {
    }

    @Schema(name = "EnvelopeUserStatus")
    record UserStatus(boolean success, UserStatusView data) {
    }

    @Schema(name = "EnvelopeChallenge")
    record Challenge(boolean success, PurchaseChallenges.Challenge data) {
    }

    @Schema(name = "EnvelopePurchaseToken")
    record PurchaseToken(boolean success, PurchaseGateController.TokenView data) {
    }

    @Schema(name = "EnvelopeAdminProduct")
    record AdminProduct(boolean success, AdminProductView data) {
    }
}
