package dev.flashsale.identity;

import java.time.Duration;
import java.util.List;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** The metrics say how the sale goes and what runs the service: only the scraper and admins read them. */
class MetricsAccessTest extends IntegrationTest {

    private static final String METRICS_TOKEN = "test-metrics-token-0123456789";

    @Autowired
    Tokens tokens;

    @Test
    void prometheusNeedsTheMetricsTokenOrTheAdminRole() {
        Api.Reply anonymous = api.get("/actuator/prometheus");
        Api.Reply shopper = api.get("/actuator/prometheus", Api.user("curious"));
        Api.Reply shopperToken = api.get("/actuator/prometheus",
                "Authorization", "Bearer " + tokens.issue("curious", List.of(), Duration.ofMinutes(5)));
        Api.Reply wrongToken = api.get("/actuator/prometheus", "Authorization", "Bearer " + METRICS_TOKEN + "x");

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(shopper.status()).isEqualTo(403);
        assertThat(shopperToken.status()).isEqualTo(403);
        assertThat(wrongToken.status()).isEqualTo(401);
        for (Api.Reply refused : List.of(anonymous, shopper, wrongToken)) {
            assertThat(refused.text()).doesNotContain("jvm_", "flashsale_");
        }

        Api.Reply scraper = api.get("/actuator/prometheus", "Authorization", "Bearer " + METRICS_TOKEN);
        Api.Reply admin = api.get("/actuator/prometheus", Api.admin());
        assertThat(scraper.status()).isEqualTo(200);
        assertThat(scraper.text()).contains("jvm_");
        assertThat(admin.status()).isEqualTo(200);
    }

    @Test
    void theMetricsTokenOpensNothingElse() {
        String[] scraper = {"Authorization", "Bearer " + METRICS_TOKEN};
        assertThat(api.get("/api/v1/admin/products", scraper).status()).isEqualTo(403);
        assertThat(api.get("/actuator/metrics", scraper).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/sale/user/orders", scraper).status()).isEqualTo(403);
    }

    @Test
    void healthStaysOpenForLoadBalancers() {
        assertThat(api.get("/actuator/health").status()).isEqualTo(200);
        assertThat(api.get("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(api.get("/actuator/health/liveness").status()).isEqualTo(200);
    }
}
