package dev.flashsale.auditlog;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.FaultDrill;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** PostgreSQL is cut off: a wrong admin key is still a 401, and no admin change happens unrecorded. */
@ExtendWith(OutputCaptureExtension.class)
class AuditLogOutageDrillTest extends FaultDrill {

    @Test
    void wrongKeysAreStill401AndChangesAndSignInsWaitForTheLog(CapturedOutput output) {
        UUID product = liveProduct(5, 1);

        DATABASE.cut();
        Api.Reply wrongSignIn;
        Api.Reply wrongHeader;
        Api.Reply signIn;
        Api.Reply change;
        try {
            wrongSignIn = api.post("/api/v1/session/admin", Api.json(Map.of("key", "a-wrong-key-during-the-outage")));
            wrongHeader = api.get("/api/v1/admin/outbox", "X-Admin-Key", "a-wrong-key-during-the-outage");
            signIn = api.post("/api/v1/session/admin", Api.json(Map.of("key", Api.ADMIN_KEY)));
            change = api.patch("/api/v1/admin/products/" + product, "{\"totalQuantity\":9}", Api.admin());
        } finally {
            DATABASE.restore();
        }

        assertThat(wrongSignIn.status()).as(wrongSignIn.toString()).isEqualTo(401);
        assertThat(wrongHeader.status()).as(wrongHeader.toString()).isEqualTo(401);
        for (Api.Reply reply : List.of(signIn, change)) {
            assertThat(reply.status()).as(reply.toString()).isEqualTo(503);
        }
        assertThat(signIn.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(output.getAll()).contains("audit entry not recorded action=admin.sign-in outcome=refused")
                .contains("audit entry not recorded action=admin.key outcome=refused")
                .doesNotContain("a-wrong-key-during-the-outage");
        // once the pool has reconnected: nothing changed
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .untilAsserted(() -> assertThat(totalQuantity(product)).isEqualTo(5));
        assertThat(redisStock(product)).isEqualTo(5);
        assertThat(jdbc.sql("SELECT count(*) FROM admin_audit_log WHERE target = ?").param(product.toString())
                .query(Long.class).single()).as("the creation only").isEqualTo(1);
    }
}
