package dev.flashsale.identity;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who the callers are.
 *
 * @param jwtSecret     shared HS256 secret of the bearer tokens (at least 32 bytes); without it
 *                      bearer tokens are not accepted
 * @param trustedHeader identity taken from a request header set by an authenticating gateway
 *                      (the seed's {@code X-User-Id}); off unless switched on
 * @param adminKey      a static admin credential sent as {@code X-Admin-Key} (at least 16
 *                      characters); without it only a token with the {@code admin} role is admin
 * @param demoSignIn    the web front end's sign-in by name alone (anyone may claim any user id, so
 *                      only for demos: off unless switched on; local mode switches it on)
 * @param sessionTtl    how long a web session (the signed token in the session cookie) lasts
 * @param tokenMaxLifetime the longest a bearer token may live: one whose expiry is further than
 *                      this from its issue time, or from now, is refused (as is one without expiry)
 * @param metricsToken  a bearer credential for {@code /actuator/prometheus} only (at least 16
 *                      characters); without it only an admin may read the metrics
 */
@ConfigurationProperties("flashsale.security")
public record IdentityProperties(String jwtSecret, @DefaultValue TrustedHeader trustedHeader, String adminKey,
                                 @DefaultValue("false") boolean demoSignIn,
                                 @DefaultValue("8h") Duration sessionTtl,
                                 @DefaultValue("24h") Duration tokenMaxLifetime,
                                 String metricsToken) {

    public IdentityProperties {
        if (jwtSecret != null && jwtSecret.isBlank()) {
            jwtSecret = null;
        }
        if (adminKey != null && adminKey.isBlank()) {
            adminKey = null;
        }
        if (jwtSecret != null && jwtSecret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException("flashsale.security.jwt-secret must be at least 32 bytes (256 bits) for HS256");
        }
        if (adminKey != null && adminKey.length() < 16) {
            throw new IllegalArgumentException("flashsale.security.admin-key must be at least 16 characters");
        }
        if (metricsToken != null && metricsToken.isBlank()) {
            metricsToken = null;
        }
        if (sessionTtl.isNegative() || sessionTtl.isZero()) {
            throw new IllegalArgumentException("flashsale.security.session-ttl must be positive");
        }
        if (tokenMaxLifetime.compareTo(sessionTtl) < 0) {
            throw new IllegalArgumentException("flashsale.security.token-max-lifetime must be at least the session-ttl");
        }
        if (metricsToken != null && metricsToken.length() < 16) {
            throw new IllegalArgumentException("flashsale.security.metrics-token must be at least 16 characters");
        }
        if (jwtSecret == null && !trustedHeader.enabled()) {
            throw new IllegalArgumentException("""
                    no way to identify users: set flashsale.security.jwt-secret (FLASHSALE_SECURITY_JWT_SECRET) \
                    or, behind an authenticating gateway, flashsale.security.trusted-header.enabled=true""");
        }
    }

    /**
     * @param name           the header carrying the user id
     * @param secret         when set, the header is believed only from requests that also carry
     *                       this shared secret (at least 16 characters) in {@code secretHeader}
     * @param secretHeader   the header carrying that secret
     * @param allowedSources when set, the header is believed only from these addresses (exact
     *                       addresses or CIDR ranges, as the service sees the client address)
     */
    public record TrustedHeader(@DefaultValue("false") boolean enabled, @DefaultValue("X-User-Id") String name,
                                String secret, @DefaultValue("X-Gateway-Secret") String secretHeader,
                                @DefaultValue List<String> allowedSources) {

        public TrustedHeader {
            if (secret != null && secret.isBlank()) {
                secret = null;
            }
            if (secret != null && secret.length() < 16) {
                throw new IllegalArgumentException("flashsale.security.trusted-header.secret must be at least 16 characters");
            }
            allowedSources = allowedSources.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        }

        /** Whether anything but the header's presence is asked of a caller. */
        public boolean proofRequired() {
            return secret != null || !allowedSources.isEmpty();
        }
    }
}
