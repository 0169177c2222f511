package dev.flashsale.runtime;

import java.time.Duration;
import java.time.Instant;

import dev.flashsale.FlashSaleApplication;
import dev.flashsale.support.AppProcess;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Production mode (no profile) never starts embedded servers: with a dependency unreachable it
 * stops at once and says what to do. (The test context supplies a reachable PostgreSQL for the
 * Redis case.)
 */
@ExtendWith(OutputCaptureExtension.class)
class ProductionModeTest extends IntegrationTest {

    @Autowired
    Environment testEnvironment;

    @Test
    void withPostgresUnreachableItStopsAtOnceWithAClearMessage(CapturedOutput output) {
        int from = output.getAll().length();
        Instant start = Instant.now();

        assertThatThrownBy(() -> production(
                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/flashsale",
                "--spring.data.redis.port=1"))
                .isNotNull();

        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(20));
        assertThat(output.getAll().substring(from))
                .contains("The flash-sale service could not reach PostgreSQL at jdbc:postgresql://127.0.0.1:1/flashsale")
                .contains("SPRING_DATASOURCE_URL")
                .doesNotContain("[local mode] embedded");
    }

    @Test
    void withRedisUnreachableItStopsAtOnceWithAClearMessage(CapturedOutput output) {
        int from = output.getAll().length();
        Instant start = Instant.now();

        assertThatThrownBy(() -> production(
                "--spring.datasource.url=" + testEnvironment.getProperty("spring.datasource.url"),
                "--spring.datasource.username=" + testEnvironment.getProperty("spring.datasource.username"),
                "--spring.data.redis.host=127.0.0.1",
                "--spring.data.redis.port=1"))
                .isNotNull();

        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(30));
        assertThat(output.getAll().substring(from))
                .contains("The flash-sale service could not reach Redis at 127.0.0.1:1")
                .contains("SPRING_DATA_REDIS_HOST")
                .doesNotContain("[local mode] embedded");
    }

    @Test
    void withARedisClusterUnreachableItStopsAtOnceAndNamesTheClusterSetting(CapturedOutput output) {
        int from = output.getAll().length();
        Instant start = Instant.now();

        assertThatThrownBy(() -> production(
                "--spring.datasource.url=" + testEnvironment.getProperty("spring.datasource.url"),
                "--spring.datasource.username=" + testEnvironment.getProperty("spring.datasource.username"),
                "--spring.data.redis.cluster.nodes=127.0.0.1:1,127.0.0.1:2"))
                .isNotNull();

        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(30));
        assertThat(output.getAll().substring(from))
                .contains("The flash-sale service could not reach the Redis Cluster at 127.0.0.1:1,127.0.0.1:2")
                .contains("SPRING_DATA_REDIS_CLUSTER_NODES")
                .doesNotContain("[local mode] embedded");
    }

    @Test
    void withoutAWayToIdentifyUsersItRefusesToStart(CapturedOutput output) {
        int from = output.getAll().length();
        assertThatThrownBy(() -> new SpringApplication(FlashSaleApplication.class).run(
                "--server.port=0",
                "--spring.datasource.url=" + testEnvironment.getProperty("spring.datasource.url"),
                "--spring.datasource.username=" + testEnvironment.getProperty("spring.datasource.username"),
                "--spring.data.redis.host=" + testEnvironment.getProperty("spring.data.redis.host"),
                "--spring.data.redis.port=" + testEnvironment.getProperty("spring.data.redis.port"),
                "--flashsale.security.jwt-secret=", "--flashsale.security.trusted-header.enabled=false"))
                .isNotNull();

        assertThat(output.getAll().substring(from)).contains("no way to identify users");
    }

    @Test
    void withNoDatabaseConfiguredItSaysWhichSettingsItNeeds() throws Exception {
        try (AppProcess app = AppProcess.start("--server.port=0", "--spring.main.banner-mode=off",
                "--flashsale.security.jwt-secret=production-test-secret-0123456789abcdef")) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).isNotZero();
            assertThat(app.output())
                    .contains("No PostgreSQL is configured: spring.datasource.url is not set.")
                    .contains("SPRING_DATASOURCE_URL")
                    .contains("./mvnw spring-boot:run")
                    .doesNotContain("H2, HSQL or Derby")
                    .doesNotContain("[local mode] embedded");
        }
    }

    @Test
    void withStructuredLoggingSwitchedOnEveryLineIsAJsonObject() throws Exception {
        try (AppProcess app = AppProcess.start(
                java.util.Map.of("LOGGING_STRUCTURED_FORMAT_CONSOLE", "ecs"),
                "--server.port=0", "--spring.main.banner-mode=off",
                "--flashsale.security.jwt-secret=production-test-secret-0123456789abcdef")) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).isNotZero();
            java.util.List<String> lines = app.output().lines()
                    .filter(line -> line.startsWith("{")).toList();
            assertThat(lines).as(app.output()).isNotEmpty();
            tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
            for (String line : lines) {
                var entry = json.readTree(line);
                assertThat(entry.has("@timestamp")).as(line).isTrue();
                assertThat(entry.has("log.level") || entry.path("log").has("level")).as(line).isTrue();
            }
            assertThat(String.join("\n", lines)).contains("No PostgreSQL is configured");
        }
    }

    private static void production(String... settings) {
        String[] args = new String[settings.length + 3];
        System.arraycopy(settings, 0, args, 0, settings.length);
        args[settings.length] = "--server.port=0";
        args[settings.length + 1] = "--flashsale.security.jwt-secret=production-test-secret-0123456789abcdef";
        args[settings.length + 2] = "--spring.main.banner-mode=off";
        new SpringApplication(FlashSaleApplication.class).run(args);
    }
}
