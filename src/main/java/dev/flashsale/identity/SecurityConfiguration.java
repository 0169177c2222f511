package dev.flashsale.identity;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import dev.flashsale.auditlog.AuditLog;
import dev.flashsale.limits.AdminLockout;
import dev.flashsale.web.ErrorCodes;
import dev.flashsale.web.ProblemWriter;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.header.writers.DelegatingRequestMatcherHeaderWriter;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.web.cors.CorsConfigurationSource;

/**
 * Who may call what. Shoppers are identified by an HS256 bearer token ({@code sub} = user id) or,
 * when switched on, by a trusted header; only shoppers buy. Admin endpoints need the admin role (a
 * token whose {@code roles} hold {@code admin}, or the admin key); with no admin credential
 * configured nobody has it. The Prometheus endpoint needs the admin role or the metrics token.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    private static final String[] ADMIN_PATHS = {
            "/api/v1/admin/**", "/api/v1.0/admin/**", "/api/v1/sale/admin/**", "/api/v1.0/sale/admin/**"};
    private static final String[] USER_PATHS = {"/api/v1/sale/user/**", "/api/v1.0/sale/user/**"};
    private static final String[] PURCHASE_PATHS = {"/api/v1/sale/purchase", "/api/v1.0/sale/purchase",
            "/api/v1/sale/purchase-token", "/api/v1.0/sale/purchase-token"};
    private static final String[] CHALLENGE_PATHS = {"/api/v1/sale/challenge/**", "/api/v1.0/sale/challenge/**"};

    static final String INVALID_TOKEN = "Invalid or expired token";

    /** How far token timestamps may be off the clock (Spring Security's default). */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    /**
     * The web front end's pages and assets may load scripts, styles, images and connections from
     * this origin only, and may not be framed (docs/decisions/0012). The API answers JSON and the
     * API docs get their own policy (web.SecurityHeadersValve).
     */
    static final String WEB_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            + "frame-ancestors 'none'";

    private static boolean isWebPage(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !path.startsWith("/api/") && !path.startsWith("/swagger-ui") && !path.startsWith("/actuator");
    }

    /**
     * No Micrometer observation per security filter: wrapping every filter of every request cost
     * ~10 % of a rejected purchase's CPU (JFR); http.server.requests still measures each request.
     */
    @Bean
    SecurityObservationSettings securityObservations() {
        return SecurityObservationSettings.noObservations();
    }

    /** Requests the firewall refuses (encoded separators, path parameters...): a 400 problem like any other. */
    @Bean
    RequestRejectedHandler requestRejected(ProblemWriter problems) {
        return (request, response, rejected) ->
                problems.write(response, HttpStatus.BAD_REQUEST, ErrorCodes.MALFORMED_REQUEST, "Malformed request");
    }

    @Bean
    Callers callers(IdentityProperties identity, Sessions sessions) {
        return new Callers(identity.trustedHeader().enabled() ? new GatewayHeader(identity.trustedHeader()) : null,
                sessions);
    }

    @Bean
    Revocations revocations(StringRedisTemplate redis, Clock clock) {
        return new Revocations(redis, clock);
    }

    @Bean
    RefusedAdminKeys refusedAdminKeys(AdminLockout lockout, AuditLog audit) {
        return new RefusedAdminKeys(lockout, audit);
    }

    @Bean
    Sessions sessions(IdentityProperties identity, Tokens tokens, Clock clock, AdminLockout lockout,
                      Revocations revocations, RefusedAdminKeys refused, AuditLog audit) {
        JwtDecoder decoder = identity.jwtSecret() != null ? jwtDecoder(identity, clock, revocations) : null;
        return new Sessions(identity, tokens, decoder, clock, lockout, revocations, refused, audit);
    }

    @Bean
    SecurityFilterChain api(HttpSecurity http, IdentityProperties identity, ProblemWriter problems, Sessions sessions,
                            AdminLockout lockout, RefusedAdminKeys refused, Environment environment,
                            CorsConfigurationSource apiCors) throws Exception {
        AuthenticationEntryPoint bearer = new BearerTokenAuthenticationEntryPoint();
        AuthenticationEntryPoint unauthenticated = (request, response, e) -> {
            bearer.commence(request, response, e); // keeps the WWW-Authenticate header
            // the token library's own words describe the token's inside: not for the caller
            String message = e instanceof InvalidBearerTokenException ? INVALID_TOKEN
                    : "Authentication required: send a bearer token"
                    + (identity.trustedHeader().enabled() ? " or " + identity.trustedHeader().name() : "");
            problems.write(response, HttpStatus.UNAUTHORIZED, ErrorCodes.UNAUTHENTICATED, message);
        };
        AccessDeniedHandler denied = (request, response, e) ->
                problems.write(response, HttpStatus.FORBIDDEN, ErrorCodes.FORBIDDEN, deniedMessage(request));
        MetricsTokenFilter metricsToken = identity.metricsToken() != null
                ? new MetricsTokenFilter(identity.metricsToken()) : null;

        http.headers(headers -> headers.defaultsDisabled().addHeaderWriter(ApiHeaders.WRITER)
                        .addHeaderWriter(new DelegatingRequestMatcherHeaderWriter(
                        SecurityConfiguration::isWebPage, new StaticHeadersWriter("Content-Security-Policy", WEB_CSP))))
                .csrf(csrf -> csrf.disable())
                // CrossOrigin's filter, in front of the hot path, answers preflights and adds the
                // headers; the chain's own pass over the same source finds them there and leaves them
                .cors(cors -> cors.configurationSource(apiCors))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers(ADMIN_PATHS).hasAuthority(Roles.ADMIN)
                        .requestMatchers("/actuator/metrics/**", "/actuator/metrics").hasAuthority(Roles.ADMIN)
                        .requestMatchers("/actuator/prometheus").hasAnyAuthority(Roles.ADMIN, Roles.METRICS)
                        .requestMatchers(HttpMethod.POST, PURCHASE_PATHS).hasAuthority(Roles.USER)
                        .requestMatchers(USER_PATHS).hasAuthority(Roles.USER)
                        .requestMatchers(HttpMethod.GET, CHALLENGE_PATHS).hasAuthority(Roles.USER)
                        .anyRequest().permitAll())
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthenticated).accessDeniedHandler(denied));

        if (identity.jwtSecret() != null) {
            // the Authorization header first (unless it is the metrics token, which is no JWT);
            // else the web session cookie, if it is valid (an expired one makes the caller
            // anonymous instead of failing every public request)
            BearerTokenResolver header = new DefaultBearerTokenResolver();
            BearerTokenResolver headerOrCookie = request -> {
                String token = header.resolve(request);
                if (token != null) {
                    return metricsToken != null && metricsToken.matches(token) ? null : token;
                }
                return sessions.validCookie(request).map(Jwt::getTokenValue).orElse(null);
            };
            http.oauth2ResourceServer(rs -> rs
                    .bearerTokenResolver(headerOrCookie)
                    .jwt(jwt -> jwt.decoder(sessions.decoder()).jwtAuthenticationConverter(SecurityConfiguration::authentication))
                    .authenticationEntryPoint(unauthenticated)
                    .accessDeniedHandler(denied));
        }
        if (identity.trustedHeader().enabled()) {
            http.addFilterBefore(new TrustedHeaderFilter(new GatewayHeader(identity.trustedHeader()), problems),
                    AnonymousAuthenticationFilter.class);
            if (!identity.trustedHeader().proofRequired() && !environment.matchesProfiles("local")) {
                log.warn("trusted-header mode is on without a gateway proof: anyone who reaches this service can act as "
                        + "any user by sending {}; set flashsale.security.trusted-header.secret and/or allowed-sources",
                        identity.trustedHeader().name());
            }
        }
        if (identity.adminKey() != null) {
            http.addFilterBefore(new AdminKeyFilter(identity.adminKey(), problems, lockout, refused), AnonymousAuthenticationFilter.class);
        }
        if (metricsToken != null) {
            http.addFilterBefore(metricsToken, AnonymousAuthenticationFilter.class);
        }
        return http.build();
    }

    private static String deniedMessage(HttpServletRequest request) {
        String path = request.getRequestURI();
        if (path.startsWith("/actuator/prometheus")) {
            return "This needs the admin role or the metrics token";
        }
        if (path.contains("/sale/purchase") || path.contains("/sale/user/")) {
            return "This needs a shopper: the admin console does not buy; sign in as a shopper";
        }
        return "This needs the admin role";
    }

    @Bean
    Tokens tokens(IdentityProperties identity, Clock clock) {
        // Without a configured secret nothing can verify a token, so issue none that could be used.
        SecretKey key = identity.jwtSecret() != null ? secretKey(identity.jwtSecret()) : null;
        return new Tokens(key != null
                // no key id: the encoder's default one is a digest of the secret, which a token must not carry
                ? new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(
                        new OctetSequenceKey.Builder(key).algorithm(JWSAlgorithm.HS256).build())))
                : parameters -> {
                    throw new IllegalStateException("flashsale.security.jwt-secret is not set: no tokens can be issued");
                }, clock);
    }

    /**
     * The one decoder of bearer tokens and session cookies: HS256 with the secret; {@code exp}
     * required; a lifetime at most {@code token-max-lifetime}; not revoked (checked last, as the
     * only one that asks Redis).
     */
    private static JwtDecoder jwtDecoder(IdentityProperties identity, Clock clock, Revocations revocations) {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withSecretKey(secretKey(identity.jwtSecret()))
                .macAlgorithm(MacAlgorithm.HS256).build();
        JwtTimestampValidator timestamps = new JwtTimestampValidator(CLOCK_SKEW);
        timestamps.setAllowEmptyExpiryClaim(false);
        timestamps.setClock(clock);
        List<OAuth2TokenValidator<Jwt>> validators = List.of(
                timestamps, lifetimeAtMost(identity.tokenMaxLifetime(), clock), revocations);
        decoder.setJwtValidator(token -> {
            for (OAuth2TokenValidator<Jwt> validator : validators) {
                OAuth2TokenValidatorResult result = validator.validate(token);
                if (result.hasErrors()) {
                    return result;
                }
            }
            return OAuth2TokenValidatorResult.success();
        });
        return decoder;
    }

    /** Refuses a token meant to live longer than {@code max}: by its issue time, or by now. */
    static OAuth2TokenValidator<Jwt> lifetimeAtMost(Duration max, Clock clock) {
        OAuth2Error tooLong = new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "lifetime above the maximum", null);
        return token -> {
            Instant expiresAt = token.getExpiresAt();
            Instant issuedAt = token.getIssuedAt();
            boolean valid = expiresAt != null
                    && (issuedAt == null || !Duration.between(issuedAt, expiresAt).minus(max).isPositive())
                    && !Duration.between(clock.instant(), expiresAt).minus(max.plus(CLOCK_SKEW)).isPositive();
            return valid ? OAuth2TokenValidatorResult.success() : OAuth2TokenValidatorResult.failure(tooLong);
        };
    }

    private static SecretKey secretKey(String secret) {
        return new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** Whether the token's {@code roles} claim holds {@code admin}. */
    static boolean grantsAdmin(Jwt jwt) {
        Object roles = jwt.getClaims().get("roles");
        return roles instanceof Collection<?> list && list.contains("admin") || "admin".equals(roles);
    }

    /**
     * {@code sub} is the user id (a shopper); a {@code roles} claim holding {@code admin} grants
     * the admin role. The admin console's subject, which no user id can be, is admin and no shopper.
     */
    static AbstractAuthenticationToken authentication(Jwt jwt) {
        String subject = jwt.getSubject();
        boolean admin = grantsAdmin(jwt);
        Collection<GrantedAuthority> authorities = new ArrayList<>();
        if (UserIds.ADMIN_CONSOLE.equals(subject) && admin) {
            authorities.add(new SimpleGrantedAuthority(Roles.ADMIN));
            return new JwtAuthenticationToken(jwt, List.copyOf(authorities), subject);
        }
        if (!UserIds.isValid(subject)) {
            throw new InvalidBearerTokenException(INVALID_TOKEN);
        }
        authorities.add(new SimpleGrantedAuthority(Roles.USER));
        if (admin) {
            authorities.add(new SimpleGrantedAuthority(Roles.ADMIN));
        }
        return new JwtAuthenticationToken(jwt, List.copyOf(authorities), subject);
    }
}
