package dev.flashsale.inventory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;

import dev.flashsale.inventory.internal.RedisCalls;
import dev.flashsale.inventory.internal.SaleKeys;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Service;

/**
 * The purchase tokens of gated sales, in Redis under the sale's hash tag: reserve.lua checks and
 * spends a token in the same script that reserves, so a token buys at most one attempt even when
 * several race with it. Also remembers which purchase challenges have earned a token.
 */
@Service
public class PurchaseTokens {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder TEXT = Base64.getUrlEncoder().withoutPadding();

    private final StringRedisTemplate redis;
    private final RedisCalls calls;

    PurchaseTokens(StringRedisTemplate redis, RedisCalls calls) {
        this.redis = redis;
        this.calls = calls;
    }

    /** A new single-use token for this user and sale, valid for {@code ttl}. */
    public String issue(UUID productId, String userId, Duration ttl) {
        byte[] random = new byte[24];
        RANDOM.nextBytes(random);
        String token = TEXT.encodeToString(random);
        calls.call(() -> {
            redis.opsForValue().set(SaleKeys.of(productId).token(token), userId, ttl);
            return null;
        });
        return token;
    }

    /**
     * Records that the challenge {@code id} earned a token, for as long as the challenge is valid.
     *
     * @return false if it had earned one already
     */
    public boolean firstUse(UUID productId, String id, Duration validFor) {
        return Boolean.TRUE.equals(calls.call(() ->
                redis.opsForValue().setIfAbsent(SaleKeys.of(productId).challenge(id), "1", validFor)));
    }
}
