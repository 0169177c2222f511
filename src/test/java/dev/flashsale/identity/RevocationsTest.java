package dev.flashsale.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.security.oauth2.jwt.Jwt;

import static org.assertj.core.api.Assertions.assertThat;

/** When Redis cannot say whether a token was revoked: admin tokens are refused, shoppers' accepted. */
class RevocationsTest {

    private final LettuceConnectionFactory unreachable = new LettuceConnectionFactory(
            new RedisStandaloneConfiguration("127.0.0.1", 1),
            LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(300)).build());

    @AfterEach
    void close() {
        unreachable.destroy();
    }

    @Test
    void withoutRedisAnAdminTokenIsRefusedAndAShoppersIsAccepted() {
        unreachable.afterPropertiesSet();
        unreachable.start();
        StringRedisTemplate redis = new StringRedisTemplate(unreachable);
        Revocations revocations = new Revocations(redis, Clock.systemUTC());

        assertThat(revocations.validate(token("admin:console", List.of("admin"))).hasErrors()).isTrue();
        assertThat(revocations.validate(token("alice", List.of())).hasErrors()).isFalse();
    }

    private static Jwt token(String subject, List<String> roles) {
        Instant now = Instant.now();
        return Jwt.withTokenValue("t").header("alg", "HS256").subject(subject).jti("id-" + subject)
                .issuedAt(now).expiresAt(now.plusSeconds(300)).claim("roles", roles).build();
    }
}
