package dev.flashsale.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.flashsale.catalog.Product;
import dev.flashsale.identity.IdentityProperties;
import dev.flashsale.inventory.PurchaseTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * Proof-of-work challenges of gated sales. A challenge is stateless: random, sale, user and expiry,
 * signed with the gate's key, so any instance can check it without a lookup. Solving it means
 * finding a nonce such that SHA-256(challenge ":" nonce) starts with the sale's number of zero
 * bits; a solved challenge earns one token, once (its use is recorded in Redis until it expires).
 */
@Component
class PurchaseChallenges {

    private static final Logger log = LoggerFactory.getLogger(PurchaseChallenges.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder TEXT = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder FROM_TEXT = Base64.getUrlDecoder();
    private static final String VERSION = "c1";

    private final byte[] key;
    private final PurchaseTokens tokens;
    private final Duration ttl;
    private final Clock clock;

    PurchaseChallenges(GateProperties gate, IdentityProperties identity, PurchaseTokens tokens, Clock clock) {
        this.key = key(gate, identity);
        this.tokens = tokens;
        this.ttl = gate.challengeTtl();
        this.clock = clock;
    }

    /** A challenge for this user and sale; {@code difficulty} is what solving it takes today. */
    record Challenge(String challenge, int difficulty, Instant expiresAt) {
    }

    enum Check {
        SOLVED("solved"),
        FORGED("the challenge is not one this shop issued"),
        NOT_YOURS("the challenge was issued to another user or for another sale"),
        EXPIRED("the challenge has expired"),
        UNSOLVED("the nonce does not solve the challenge"),
        USED("the challenge has already earned a token");

        final String reason;

        Check(String reason) {
            this.reason = reason;
        }
    }

    Challenge issue(Product product, String userId) {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        Instant expires = clock.instant().plus(ttl);
        String payload = String.join("|", VERSION, TEXT.encodeToString(random), product.id().toString(),
                Long.toString(expires.toEpochMilli()), userId);
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return new Challenge(TEXT.encodeToString(bytes) + "." + TEXT.encodeToString(sign(bytes)),
                product.powDifficulty(), expires);
    }

    /** Whether {@code nonce} solves {@code challenge} for this user and sale; if so, the challenge is spent. */
    Check verify(Product product, String userId, String challenge, String nonce) {
        int dot = challenge.indexOf('.');
        byte[] payload;
        byte[] signature;
        try {
            payload = FROM_TEXT.decode(challenge.substring(0, Math.max(dot, 0)));
            signature = FROM_TEXT.decode(challenge.substring(dot + 1));
        } catch (IllegalArgumentException notBase64) {
            return Check.FORGED;
        }
        if (dot < 0 || !MessageDigest.isEqual(sign(payload), signature)) {
            return Check.FORGED;
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|", 5);
        if (parts.length != 5 || !VERSION.equals(parts[0])) {
            return Check.FORGED;
        }
        if (!parts[2].equals(product.id().toString()) || !parts[4].equals(userId)) {
            return Check.NOT_YOURS;
        }
        Duration left = Duration.between(clock.instant(), Instant.ofEpochMilli(Long.parseLong(parts[3])));
        if (left.isNegative() || left.isZero()) {
            return Check.EXPIRED;
        }
        if (!solves(challenge, nonce, product.powDifficulty())) {
            return Check.UNSOLVED;
        }
        return tokens.firstUse(product.id(), parts[1], left) ? Check.SOLVED : Check.USED;
    }

    /** SHA-256(challenge ":" nonce) starts with {@code difficulty} zero bits. */
    static boolean solves(String challenge, String nonce, int difficulty) {
        byte[] hash = sha256().digest((challenge + ":" + nonce).getBytes(StandardCharsets.UTF_8));
        int bits = difficulty;
        for (int i = 0; bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
            if ((hash[i] & mask) != 0) {
                return false;
            }
        }
        return true;
    }

    private byte[] sign(byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte[] key(GateProperties gate, IdentityProperties identity) {
        if (gate.secret() != null) {
            return gate.secret().getBytes(StandardCharsets.UTF_8);
        }
        if (identity.jwtSecret() != null) {
            // its own key, not the token-signing one: a challenge must never pass for anything else
            return sha256().digest(("flashsale purchase challenges|" + identity.jwtSecret()).getBytes(StandardCharsets.UTF_8));
        }
        log.warn("flashsale.gate.secret is not set: purchase challenges are signed with a key of this process only");
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return random;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
