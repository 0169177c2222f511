package dev.flashsale.web;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every response carries the referrer and permissions policies, whoever answers it; the API docs get a CSP. */
class SecurityHeadersTest extends IntegrationTest {

    private static final String[] FORWARDED = {"X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https",
            "Forwarded", "for=203.0.113.9;proto=https", "X-Forwarded-Host", "evil.example"};

    @Test
    void everyAnswerCarriesTheReferrerAndPermissionsPolicies() {
        UUID product = liveProduct(1, 1);
        List<Api.Reply> replies = new ArrayList<>();
        for (String[] extra : List.of(new String[0], FORWARDED)) {
            replies.add(api.get("/", extra));
            replies.add(api.get("/api/v1/sale/status/" + product, extra)); // the hot path
            replies.add(api.get("/api/v1/sale/products", extra));
            replies.add(api.get("/api/v1/nothing-here", extra));
            replies.add(api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                    concat(extra, Api.user("first-" + UUID.randomUUID())))); // the hot path, 201 then 409
            replies.add(api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}", extra)); // 401
            replies.add(api.post("/api/v1/sale/purchase", "{\"pad\":\"" + "x".repeat(20_000) + "\"}",
                    concat(extra, Api.user("big")))); // 413 before anything
            replies.add(api.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + port + "/api/v1/sale/status/a%2Fb")).GET(), extra)); // Tomcat's 400
            replies.add(api.get("/actuator/health", extra));
        }
        for (Api.Reply reply : replies) {
            assertThat(reply.headers().firstValue("Referrer-Policy")).as(reply.toString())
                    .hasValue("strict-origin-when-cross-origin");
            assertThat(reply.headers().firstValue("Permissions-Policy").orElse("")).as(reply.toString())
                    .contains("camera=()", "geolocation=()", "microphone=()", "payment=()");
        }
    }

    @Test
    void theApiDocsGetAContentSecurityPolicyWithoutInlineScripts() {
        for (String path : List.of("/api/swagger-ui/index.html", "/api/swagger-ui/swagger-initializer.js",
                "/api/docs/openapi")) {
            Api.Reply reply = api.get(path);
            assertThat(reply.status()).as(path).isEqualTo(200);
            assertThat(reply.headers().firstValue("Content-Security-Policy").orElse("")).as(path)
                    .contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'")
                    .doesNotContain("'unsafe-eval'")
                    .doesNotContainPattern("script-src[^;]*unsafe-inline");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
