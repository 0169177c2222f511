package dev.flashsale.limits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.support.LimitsOn;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Guessing the admin key: a few tries per address, then a lockout that holds even for the right key. */
@ExtendWith(OutputCaptureExtension.class)
@LimitsOn
class AdminLockoutTest extends IntegrationTest {

    private static final List<String> GUESSERS = List.of("127.0.0.4", "127.0.0.5");

    @Autowired
    MeterRegistry meters;

    @BeforeEach
    @AfterEach
    void forgetTheGuessers() {
        for (String address : GUESSERS) {
            redis.delete(List.of("fs:limits:admin-failures:" + address, "fs:limits:admin-lockout:" + address,
                    "fs:limits:admin-strikes:" + address));
        }
    }

    @Test
    void sixtyWrongKeysLockTheAddressOutWhileTheRightKeyWorksFromElsewhere(CapturedOutput output) {
        Api guesser = Api.from("127.0.0.4", port, Duration.ofSeconds(10));
        long entriesBefore = jdbc.sql("SELECT coalesce(max(id), 0) FROM admin_audit_log").query(Long.class).single();
        double failuresBefore = counter("flashsale.admin.credential.failures");
        double lockoutsBefore = counter("flashsale.admin.lockouts");

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            statuses.add(guesser.get("/api/v1/admin/products", "X-Admin-Key", "guess-" + i + "-0123456789").status());
        }

        assertThat(statuses.subList(0, 10)).containsOnly(401);
        assertThat(statuses.subList(10, 60)).containsOnly(429);
        Api.Reply rightKey = guesser.get("/api/v1/admin/products", Api.admin());
        assertThat(rightKey.status()).as("locked out, the right key too").isEqualTo(429);
        assertThat(rightKey.code()).isEqualTo("RATE_LIMITED");
        assertThat(Integer.parseInt(rightKey.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 60);
        assertThat(api.get("/api/v1/admin/products", Api.admin()).status()).as("another address").isEqualTo(200);

        assertThat(counter("flashsale.admin.credential.failures") - failuresBefore).isEqualTo(10);
        assertThat(counter("flashsale.admin.lockouts") - lockoutsBefore).isEqualTo(1);
        assertThat(output.getAll().lines().filter(l -> l.contains("admin key refused address=127.0.0.4 via=header")))
                .hasSize(10);
        assertThat(output.getAll()).contains("admin credentials locked out address=127.0.0.4")
                .doesNotContain("guess-3-0123456789");
        // the audit log has each wrong key and the lockout, and nothing for the requests refused while locked out
        assertThat(jdbc.sql("SELECT action || ' ' || outcome || ' ' || coalesce(after->>'lockedOutFor', '-')"
                        + " FROM admin_audit_log WHERE source_address = '127.0.0.4' AND id > ? ORDER BY id")
                .param(entriesBefore).query(String.class).list())
                .hasSize(11)
                .startsWith("admin.key refused -")
                .endsWith("admin.key refused -", "admin.lockout refused PT1M");
    }

    @Test
    void wrongKeysAtSignInLockTheAddressOutOfSignInAndTheHeaderAlike() {
        Api guesser = Api.from("127.0.0.5", port, Duration.ofSeconds(10));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            statuses.add(guesser.post("/api/v1/session/admin", "{\"key\":\"guess-" + i + "\"}").status());
        }

        assertThat(statuses.subList(0, 10)).containsOnly(401);
        assertThat(statuses.subList(10, 12)).containsOnly(429);
        assertThat(guesser.post("/api/v1/session/admin", "{\"key\":\"" + Api.ADMIN_KEY + "\"}").status()).isEqualTo(429);
        assertThat(guesser.get("/api/v1/admin/products", Api.admin()).status()).isEqualTo(429);
        assertThat(api.post("/api/v1/session/admin", "{\"key\":\"" + Api.ADMIN_KEY + "\"}").status()).isEqualTo(200);
    }

    @Test
    void aSecondLockoutOfTheSameAddressLastsTwiceAsLong() {
        Api guesser = Api.from("127.0.0.4", port, Duration.ofSeconds(10));
        for (int i = 0; i < 10; i++) {
            guesser.get("/api/v1/admin/products", "X-Admin-Key", "wrong-key-0123456789");
        }
        long first = redis.getExpire("fs:limits:admin-lockout:127.0.0.4");
        redis.delete("fs:limits:admin-lockout:127.0.0.4"); // the first lockout has run out

        guesser.get("/api/v1/admin/products", "X-Admin-Key", "wrong-key-0123456789");

        long second = redis.getExpire("fs:limits:admin-lockout:127.0.0.4");
        assertThat(first).isBetween(55L, 60L);
        assertThat(second).isBetween(115L, 120L);
    }

    private double counter(String name) {
        return meters.get(name).counter().count();
    }
}
