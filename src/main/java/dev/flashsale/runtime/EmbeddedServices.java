package dev.flashsale.runtime;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Zero-install local mode: when {@code flashsale.local.embedded-services} is on (the local profile
 * and the tests) and no PostgreSQL or Redis is configured through Spring Boot's standard settings,
 * starts embedded ones and points the application at them. Production never sets the switch, and
 * its jar does not even contain the embedded servers.
 *
 * <p>The servers are started once per JVM, so every application context of a test run shares
 * them, and are stopped when it exits: after the application contexts have closed (a Spring Boot
 * shutdown handler), so that an application stopping never finds its database gone.
 */
public class EmbeddedServices implements EnvironmentPostProcessor, Ordered {

    static final String SWITCH = "flashsale.local.embedded-services";
    private static final String SOURCE = "flashsale-embedded-services";

    private static String postgresUrl;
    private static Integer redisPort;

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (!env.getProperty(SWITCH, Boolean.class, false) || env.getPropertySources().contains(SOURCE)) {
            return;
        }
        Map<String, Object> settings = new HashMap<>();
        if (!env.containsProperty("spring.datasource.url")) {
            requireOnClassPath("io.zonky.test.db.postgres.embedded.EmbeddedPostgres", "embedded PostgreSQL");
            settings.put("spring.datasource.url", postgres(env.getProperty("flashsale.local.data-dir", ""),
                    env.getProperty("flashsale.local.postgres-port", Integer.class, 0)));
            settings.put("spring.datasource.username", "postgres");
        }
        if (!redisConfigured(env)) {
            requireOnClassPath("redis.embedded.RedisServer", "embedded Redis");
            settings.put("spring.data.redis.host", "127.0.0.1");
            settings.put("spring.data.redis.port", redis(env.getProperty("flashsale.local.redis-port", Integer.class, 0)));
        }
        env.getPropertySources().addFirst(new MapPropertySource(SOURCE, settings));
    }

    /**
     * Any setting that says where Redis is or how to talk to it means a Redis of the user's: an
     * embedded one (plain TCP, no password) would not answer to TLS or AUTH, nor stand in for a
     * Sentinel or Cluster.
     */
    private static boolean redisConfigured(ConfigurableEnvironment env) {
        return Stream.of("host", "url", "sentinel.nodes", "cluster.nodes", "username", "password", "ssl.bundle")
                .anyMatch(name -> env.containsProperty("spring.data.redis." + name))
                || env.getProperty("spring.data.redis.ssl.enabled", Boolean.class, false);
    }

    private static synchronized String postgres(String dataDir, int port) {
        if (postgresUrl == null) {
            postgresUrl = EmbeddedPostgresServer.start(dataDir, port);
        }
        return postgresUrl;
    }

    private static synchronized int redis(int port) {
        if (redisPort == null) {
            redisPort = EmbeddedRedisServer.start(port);
        }
        return redisPort;
    }

    /** Separate classes, so the embedded servers' types are only loaded when they are used. */
    private static final class EmbeddedPostgresServer {

        static String start(String dataDir, int port) {
            try {
                var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                        .setRegisterShutdownHook(false)
                        .setPort(port == 0 ? freePort() : port)
                        .setServerConfig("max_connections", "100");
                if (!dataDir.isBlank()) {
                    Path dir = Path.of(dataDir).toAbsolutePath();
                    Files.createDirectories(dir);
                    builder.setDataDirectory(dir).setCleanDataDirectory(false);
                }
                var postgres = builder.start();
                SpringApplication.getShutdownHandlers().add(() -> {
                    try {
                        postgres.close();
                    } catch (IOException ignored) {
                        // the JVM is going away anyway
                    }
                });
                System.out.println("[local mode] embedded PostgreSQL on port " + postgres.getPort()
                        + (dataDir.isBlank() ? " (temporary data)" : ", data in " + Path.of(dataDir).toAbsolutePath()));
                return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
            } catch (IOException e) {
                throw new IllegalStateException("could not start embedded PostgreSQL: " + e.getMessage(), e);
            }
        }
    }

    private static final class EmbeddedRedisServer {

        static int start(int port) {
            try {
                int chosen = port == 0 ? freePort() : port;
                var server = redis.embedded.RedisServer.newRedisServer()
                        .port(chosen)
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .build();
                server.start();
                SpringApplication.getShutdownHandlers().add(() -> {
                    try {
                        server.stop();
                    } catch (IOException ignored) {
                        // the JVM is going away anyway
                    }
                });
                System.out.println("[local mode] embedded Redis on port " + chosen);
                return chosen;
            } catch (IOException e) {
                throw new IllegalStateException("could not start embedded Redis: " + e.getMessage(), e);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void requireOnClassPath(String type, String what) {
        if (!ClassUtils.isPresent(type, EmbeddedServices.class.getClassLoader())) {
            throw new IllegalStateException(what + " is not in this build: the packaged jar leaves the embedded "
                    + "servers out. Run local mode with ./mvnw spring-boot:run, or point SPRING_DATASOURCE_URL and "
                    + "SPRING_DATA_REDIS_HOST at running servers.");
        }
    }
}
