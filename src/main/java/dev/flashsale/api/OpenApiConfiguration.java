package dev.flashsale.api;

import dev.flashsale.identity.IdentityProperties;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeIn;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.PropertyCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@OpenAPIDefinition(info = @Info(title = "Flash Sale API", version = "v1", description = """
        Sells a limited stock during a time window. Success bodies are {"success": true, "data": ...}; \
        failures are RFC 9457 problem details (application/problem+json) that also carry "success": false, \
        "error" and a stable "code". Every path is also served under /api/v1.0 (the seed's default), and \
        /api/v1/admin/... also under /api/v1/sale/admin/...: those aliases answer as the paths listed here. \
        The examples are local mode's demo sale."""))
@SecurityScheme(name = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer", bearerFormat = "JWT",
        description = "HS256 token: sub = user id; a roles claim holding \"admin\" grants the admin API")
@SecurityScheme(name = "userHeader", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
        paramName = "X-User-Id", description = "trusted-header mode only (behind an authenticating gateway, or local mode)")
@SecurityScheme(name = "adminKey", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
        paramName = "X-Admin-Key", description = "the configured admin key")
@SecurityScheme(name = "webhookSignature", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
        paramName = "Flashsale-Signature", description = "the payment provider's signature of a webhook: "
        + "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.\" + body> with the shared webhook secret")
class OpenApiConfiguration {

    @Bean
    OpenApiCustomizer openApiContract() {
        return new OpenApiContract();
    }

    @Bean
    OpenApiCustomizer openApiLayout(IdentityProperties identity) {
        return new OpenApiLayout(identity);
    }

    @Bean
    PropertyCustomizer openApiContractFields() {
        return new OpenApiContract.Fields();
    }
}
