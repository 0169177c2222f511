package dev.flashsale.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;

/** Issues the signed bearer tokens this service accepts (for the demo sign-in, tests and tools). */
public class Tokens {

    private final JwtEncoder encoder;
    private final Clock clock;

    Tokens(JwtEncoder encoder, Clock clock) {
        this.encoder = encoder;
        this.clock = clock;
    }

    public String issue(String userId, Collection<String> roles, Duration ttl) {
        if (!UserIds.isValid(userId)) {
            throw new IllegalArgumentException("user id must be " + UserIds.RULE);
        }
        return sign(userId, roles, ttl);
    }

    /** An admin session's token: the admin console's subject, no shopper's. */
    String issueAdminSession(Duration ttl) {
        return sign(UserIds.ADMIN_CONSOLE, List.of("admin"), ttl);
    }

    /**
     * Signed with the secret, with an id ({@code jti}) that sign-out can revoke, and no key id
     * (the encoder's default one is a digest of the secret).
     */
    private String sign(String subject, Collection<String> roles, Duration ttl) {
        Instant now = clock.instant();
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .id(UUID.randomUUID().toString())
                .subject(subject)
                .issuedAt(now)
                .expiresAt(now.plus(ttl))
                .claim("roles", List.copyOf(roles))
                .build();
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
                .getTokenValue();
    }
}
