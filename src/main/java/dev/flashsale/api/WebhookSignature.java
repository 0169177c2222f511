package dev.flashsale.api;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The payment provider's signature on a webhook: header {@value #HEADER} with value
 * {@code t=<unix seconds>,v1=<hex HMAC-SHA256>} over {@code "<t>." + body}, with the shared secret.
 * The timestamp is signed too, so a captured call replayed after the tolerance is refused, and
 * within it the event id makes a replay change nothing. Compared in constant time.
 */
final class WebhookSignature {

    static final String HEADER = "Flashsale-Signature";
    private static final String ALGORITHM = "HmacSHA256";

    private final byte[] secret;
    private final Duration tolerance;

    WebhookSignature(String secret, Duration tolerance) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.tolerance = tolerance;
    }

    /** Why a call is refused, or null if its signature is good and recent. */
    String refusal(String header, byte[] body, Instant now) {
        if (secret.length == 0) {
            return "Webhooks are not accepted: no webhook secret is configured";
        }
        if (header == null) {
            return "The " + HEADER + " header is missing";
        }
        Long timestamp = null;
        byte[] signature = null;
        for (String part : header.split(",")) {
            String item = part.strip();
            if (item.startsWith("t=")) {
                timestamp = seconds(item.substring(2));
            } else if (item.startsWith("v1=") && item.length() == 3 + 64) {
                signature = hex(item.substring(3));
            }
        }
        if (timestamp == null || signature == null) {
            return "The " + HEADER + " header is not t=<unix seconds>,v1=<64 hex digits>";
        }
        if (Math.abs(now.getEpochSecond() - timestamp) > tolerance.toSeconds()) {
            return "The signed timestamp is more than " + tolerance.toSeconds() + " s from now";
        }
        if (!MessageDigest.isEqual(signature, mac(timestamp, body))) {
            return "The signature does not match the body";
        }
        return null;
    }

    /** The header a provider would send for this body at this moment (the demo provider, tests). */
    String sign(byte[] body, Instant at) {
        long t = at.getEpochSecond();
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac(t, body));
    }

    private byte[] mac(long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }

    private static Long seconds(String text) {
        if (text.isEmpty() || text.length() > 12 || !text.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return Long.parseLong(text);
    }

    private static byte[] hex(String text) {
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException notHex) {
            return null;
        }
    }
}
