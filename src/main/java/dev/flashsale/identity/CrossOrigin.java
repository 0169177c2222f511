package dev.flashsale.identity;

import java.util.ArrayList;
import java.util.List;

import dev.flashsale.web.WebProperties;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * Pages served from the origins of {@code flashsale.web.cors} may call the API
 * (docs/decisions/0021). The filter stands in front of everything that answers an API request —
 * the per-address limits, the hot path (status reads and purchases, answered before the security
 * chain) and the security chain — so each of their answers carries the headers, and a preflight is
 * answered at once, without a credential, a limit's token or a handler. Another origin's requests
 * go on untouched and get no CORS headers: its page cannot read the answers.
 */
@Configuration(proxyBeanMethods = false)
class CrossOrigin {

    /** After the body-size limit and the HTTP metrics' observation, before the limits (+5) and the hot path (+10). */
    static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 2;

    @Bean
    CorsConfigurationSource apiCors(WebProperties web, IdentityProperties identity) {
        WebProperties.Cors cors = web.cors();
        CorsConfiguration config = new CorsConfiguration();
        config.setAllowedOriginPatterns(cors.allowedOrigins());
        config.setAllowedMethods(List.of("GET", "HEAD", "POST", "PATCH", "DELETE"));
        List<String> headers = new ArrayList<>(List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE,
                HttpHeaders.ACCEPT, "Last-Event-ID", AdminKeyFilter.HEADER, "traceparent", "tracestate"));
        if (identity.trustedHeader().enabled()) {
            headers.add(identity.trustedHeader().name());
        }
        config.setAllowedHeaders(headers);
        // what the pages read beyond the safelisted headers: the clock (countdowns), when to try again,
        // and the answer's trace
        config.setExposedHeaders(List.of(HttpHeaders.DATE, HttpHeaders.RETRY_AFTER, HttpHeaders.LOCATION,
                HttpHeaders.WWW_AUTHENTICATE, "traceparent"));
        config.setAllowCredentials(cors.allowCredentials());
        config.setMaxAge(cors.maxAge());
        return request -> {
            if (!request.getRequestURI().startsWith("/api/")) {
                return null;
            }
            String origin = request.getHeader(HttpHeaders.ORIGIN);
            // an origin not listed: no CORS processing at all (no headers), rather than a 403 that a
            // same-origin page behind a proxy, whose Origin the service cannot match, would also get
            return origin != null && config.checkOrigin(origin) != null ? config : null;
        };
    }

    @Bean
    FilterRegistrationBean<CorsFilter> apiCorsFilter(CorsConfigurationSource apiCors, WebProperties web) {
        FilterRegistrationBean<CorsFilter> registration = new FilterRegistrationBean<>(new CorsFilter(apiCors));
        registration.setOrder(ORDER);
        registration.addUrlPatterns("/api/*");
        registration.setEnabled(!web.cors().allowedOrigins().isEmpty());
        return registration;
    }
}
