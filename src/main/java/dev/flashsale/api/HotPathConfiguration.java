package dev.flashsale.api;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.identity.Callers;
import dev.flashsale.limits.ClientLimits;
import dev.flashsale.ordering.Purchases;
import dev.flashsale.web.ProblemCounts;
import dev.flashsale.web.ProblemWriter;
import dev.flashsale.web.RequestTraces;
import dev.flashsale.web.WebProperties;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

@Configuration(proxyBeanMethods = false)
class HotPathConfiguration {

    /** The per-address limits: after the body-size limit and the HTTP metrics, before the hot path. */
    @Bean
    FilterRegistrationBean<RequestLimits> requestLimits(ClientLimits limits, ProblemWriter problems, Rehearsal rehearsal) {
        FilterRegistrationBean<RequestLimits> registration =
                new FilterRegistrationBean<>(new RequestLimits(limits, problems, rehearsal));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 5);
        registration.addUrlPatterns("/api/*");
        return registration;
    }

    /**
     * After the body-size limit and the HTTP metrics' observation (so these answers are counted
     * like the others), before the security chain (order -100). {@code flashsale.hot-path.enabled=false}
     * leaves every request to the security chain and Spring MVC, which answer the same.
     */
    @Bean
    @ConditionalOnBooleanProperty(name = "flashsale.hot-path.enabled", matchIfMissing = true)
    FilterRegistrationBean<HotPath> hotPath(Catalog catalog, SaleViews views, Purchases purchases, Callers callers,
                                             JsonMapper json, ProblemCounts problemCounts, RequestTraces traces,
                                             WebProperties web) {
        FilterRegistrationBean<HotPath> registration = new FilterRegistrationBean<>(
                new HotPath(catalog, views, purchases, callers, json, problemCounts, traces,
                        (int) web.maxBodySize().toBytes()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        registration.addUrlPatterns("/api/*");
        return registration;
    }
}
