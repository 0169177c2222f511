package dev.flashsale.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The purchase gate of gated sales (decision 0017).
 *
 * @param secret       signs purchase challenges (at least 32 bytes); every instance needs the same.
 *                     Without it the key is derived from flashsale.security.jwt-secret, and
 *                     without that it is random per process (one instance only)
 * @param tokenTtl     how long a purchase token may be used
 * @param challengeTtl how long a purchase challenge may be solved and presented
 */
@ConfigurationProperties("flashsale.gate")
public record GateProperties(String secret,
                             @DefaultValue("2m") Duration tokenTtl,
                             @DefaultValue("2m") Duration challengeTtl) {

    public GateProperties {
        if (secret != null && secret.isBlank()) {
            secret = null;
        }
        if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException("flashsale.gate.secret must be at least 32 bytes");
        }
        if (tokenTtl.toSeconds() < 1 || challengeTtl.toSeconds() < 1) {
            throw new IllegalArgumentException("flashsale.gate.token-ttl and challenge-ttl must be at least 1s");
        }
    }
}
