package dev.flashsale.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.security.web.util.matcher.IpAddressMatcher;

/**
 * Trusted-header mode's rule, one for the security chain and the hot path: the user id header is
 * believed only from a request that proves it came through the gateway, where such proof is
 * configured (a shared secret in another header, compared in constant time, and/or a source
 * address allowed). A request without the proof is treated as if it carried no user id header.
 */
final class GatewayHeader {

    private final String name;
    private final String secretHeader;
    private final byte[] secret;
    private final List<IpAddressMatcher> sources;

    GatewayHeader(IdentityProperties.TrustedHeader properties) {
        this.name = properties.name();
        this.secretHeader = properties.secretHeader();
        this.secret = properties.secret() != null ? properties.secret().getBytes(StandardCharsets.UTF_8) : null;
        this.sources = properties.allowedSources().stream().map(IpAddressMatcher::new).toList();
    }

    String name() {
        return name;
    }

    /** The header's value, if the request carries one and the configured proof. */
    Optional<String> presented(HttpServletRequest request) {
        String userId = request.getHeader(name);
        return userId != null && proven(request) ? Optional.of(userId) : Optional.empty();
    }

    private boolean proven(HttpServletRequest request) {
        if (!sources.isEmpty() && sources.stream().noneMatch(source -> source.matches(request.getRemoteAddr()))) {
            return false;
        }
        if (secret == null) {
            return true;
        }
        String presented = request.getHeader(secretHeader);
        return presented != null && MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
    }
}
