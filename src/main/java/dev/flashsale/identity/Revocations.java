package dev.flashsale.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Tokens ended before their expiry (sign-out), shared by all instances: the token's {@code jti}
 * is kept in Redis for the rest of the token's lifetime, and every verification of a token asks
 * whether its id is there. If Redis cannot answer, an admin token is refused (fail closed: a
 * stolen console session must not outlive its sign-out because Redis is down; the admin key still
 * works) and a shopper's token is accepted (fail open: a purchase meets the same outage anyway,
 * and a shopper's sign-out ends no privilege). Tokens without a {@code jti} (not issued here)
 * cannot be revoked. A token found not revoked is not asked about again for {@link #MEMO} on this
 * instance, so a shopper's burst of attempts costs one Redis read, not one each: a sign-out ends
 * the token at once on the instance that signed it out, and within that second on the others.
 * See docs/decisions/0008-identity.md.
 */
public class Revocations implements OAuth2TokenValidator<Jwt> {

    private static final Logger log = LoggerFactory.getLogger(Revocations.class);
    private static final String PREFIX = "fs:revoked:";
    private static final OAuth2Error REVOKED = new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "revoked", null);
    private static final OAuth2Error UNCHECKED = new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN,
            "revocation could not be checked", null);

    static final Duration MEMO = Duration.ofSeconds(1);

    private final StringRedisTemplate redis;
    private final Clock clock;
    private final Cache<String, Boolean> notRevoked = Caffeine.newBuilder()
            .executor(Runnable::run)
            .expireAfterWrite(MEMO)
            .maximumSize(200_000)
            .build();

    Revocations(StringRedisTemplate redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
    }

    /** Ends the token now, on every instance, for the rest of its lifetime. */
    void revoke(Jwt token) {
        Instant expiresAt = token.getExpiresAt();
        if (token.getId() == null || expiresAt == null) {
            return;
        }
        notRevoked.invalidate(token.getId());
        Duration left = Duration.between(clock.instant(), expiresAt);
        if (left.isPositive()) {
            // kept past the expiry by the clock skew verification allows
            redis.opsForValue().set(key(token.getId()), "1", left.plus(SecurityConfiguration.CLOCK_SKEW));
        }
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt token) {
        if (token.getId() == null || notRevoked.getIfPresent(token.getId()) != null) {
            return OAuth2TokenValidatorResult.success();
        }
        try {
            if (Boolean.TRUE.equals(redis.hasKey(key(token.getId())))) {
                return OAuth2TokenValidatorResult.failure(REVOKED);
            }
            notRevoked.put(token.getId(), Boolean.TRUE);
            return OAuth2TokenValidatorResult.success();
        } catch (RuntimeException redisDown) {
            if (SecurityConfiguration.grantsAdmin(token)) {
                log.warn("admin token refused: its revocation could not be checked ({})", redisDown.toString());
                return OAuth2TokenValidatorResult.failure(UNCHECKED);
            }
            log.debug("token revocation not checked: {}", redisDown.toString());
            return OAuth2TokenValidatorResult.success();
        }
    }

    private static String key(String jti) {
        return PREFIX + jti;
    }
}
