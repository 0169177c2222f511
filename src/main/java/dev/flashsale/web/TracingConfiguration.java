package dev.flashsale.web;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

@Configuration(proxyBeanMethods = false)
class TracingConfiguration {

    /**
     * Right after Spring's HTTP observation filter (order {@code HIGHEST_PRECEDENCE + 1}), which opens
     * the request's trace, and before anything that may answer (cross-origin checks, limits, the hot
     * path, the security chain).
     */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> traceparentResponseHeader(RequestTraces traces) {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(traces.responseHeaderFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        registration.setName("traceparentResponseHeader");
        return registration;
    }
}
