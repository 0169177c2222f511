package dev.flashsale.identity;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** With no admin key configured, no header makes anyone admin. */
@TestPropertySource(properties = "flashsale.security.admin-key=")
class AdminClosedByDefaultTest extends IntegrationTest {

    @Test
    void withoutAConfiguredAdminKeyTheAdminApiRefusesEveryone() {
        Api.Reply withKey = api.get("/api/v1/admin/products", Api.admin());
        Api.Reply withGuess = api.get("/api/v1/admin/products", "X-Admin-Key", "");
        Api.Reply asUser = api.get("/api/v1/admin/products", Api.user("admin"));
        Api.Reply create = api.post("/api/v1/admin/products", "{\"name\":\"x\",\"price\":1,\"totalQuantity\":1}",
                Api.admin());

        assertThat(withKey.status()).isEqualTo(401);
        assertThat(withGuess.status()).isEqualTo(401);
        assertThat(asUser.status()).isEqualTo(403);
        assertThat(create.status()).isEqualTo(401);
        assertThat(api.get("/actuator/metrics", Api.user("admin")).status()).isEqualTo(403);
        assertThat(api.get("/actuator/health").status()).isEqualTo(200);
    }
}
