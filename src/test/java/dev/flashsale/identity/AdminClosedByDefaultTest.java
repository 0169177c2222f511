package dev.flashsale.identity;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** With no admin key configured, no header makes anyone admin; without demo sign-in nobody signs in by name. */
@TestPropertySource(properties = {"flashsale.security.admin-key=", "flashsale.security.demo-sign-in=false"})
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

    @Test
    void theWebSignInIsClosedToo() {
        Api.Reply byName = api.post("/api/v1/session", "{\"name\":\"alice\"}");
        Api.Reply asAdmin = api.post("/api/v1/session/admin", "{\"key\":\"" + Api.ADMIN_KEY + "\"}");
        Api.Reply offer = api.get("/api/v1/session");

        assertThat(byName.status()).isEqualTo(403);
        assertThat(byName.code()).isEqualTo("SIGN_IN_DISABLED");
        assertThat(byName.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(asAdmin.status()).isEqualTo(403);
        assertThat(asAdmin.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(offer.data().path("signIn").path("byName").asBoolean()).isFalse();
        assertThat(offer.data().path("signIn").path("admin").asBoolean()).isFalse();
    }
}
