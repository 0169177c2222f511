package dev.flashsale.runtime;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Local mode leaves a Redis the settings describe to the settings: one known only by its TLS,
 * credentials, Sentinel or Cluster settings (the host defaulting to localhost) is not replaced by
 * an embedded, plaintext, passwordless one.
 */
class EmbeddedServicesTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "spring.data.redis.ssl.enabled=true",
            "spring.data.redis.ssl.bundle=redis",
            "spring.data.redis.password=secret",
            "spring.data.redis.username=flashsale",
            "spring.data.redis.sentinel.nodes=10.0.0.1:26379",
            "spring.data.redis.cluster.nodes=10.0.0.1:6379"})
    void aRedisConfiguredWithoutAHostIsNotReplacedByAnEmbeddedOne(String setting) {
        // only these settings (not the environment variables of the machine running the test)
        MockEnvironment env = new MockEnvironment()
                .withProperty(EmbeddedServices.SWITCH, "true")
                // a PostgreSQL of the user's too: only Redis is in question
                .withProperty("spring.datasource.url", "jdbc:postgresql://10.0.0.1:5432/flashsale")
                .withProperty(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));

        new EmbeddedServices().postProcessEnvironment(env, new SpringApplication());

        assertThat(env.getProperty("spring.data.redis.host")).isNull();
        assertThat(env.getProperty("spring.data.redis.port")).isNull();
    }
}
