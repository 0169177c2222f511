package dev.flashsale.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The base of the fault drills: the application talks to a Redis of the drill's own (which the
 * drill stops, empties or restores from an old snapshot) and to PostgreSQL through a TCP proxy
 * (which the drill cuts). PostgreSQL is the configured one, or an embedded one on a machine that
 * has none. Every drill class shares this one application context; a drill class marked
 * {@link OnRedisCluster} runs on the run's Redis Cluster instead, and the methods below act on
 * all of its nodes.
 */
public abstract class FaultDrill extends IntegrationTest {

    protected static final PrivateRedis REDIS = new PrivateRedis();
    protected static final TcpProxy DATABASE;
    /** PostgreSQL itself, not through the proxy (for child processes and for looking while it is cut). */
    protected static final String DATABASE_URL;
    protected static final String DATABASE_USER;
    private static final String PROXIED_URL;
    private static final Pattern JDBC = Pattern.compile("jdbc:postgresql://([^:/]+)(?::(\\d+))?/([^?]+)(\\?.*)?");

    static {
        REDIS.start();
        String url = System.getenv("SPRING_DATASOURCE_URL");
        String user = System.getenv().getOrDefault("SPRING_DATASOURCE_USERNAME", "postgres");
        if (url == null) {
            try {
                url = "jdbc:postgresql://127.0.0.1:" + EmbeddedPostgres.builder().start().getPort() + "/postgres";
                user = "postgres";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Matcher m = JDBC.matcher(url);
        if (!m.matches()) {
            throw new IllegalStateException("cannot proxy " + url);
        }
        DATABASE_URL = url;
        DATABASE_USER = user;
        DATABASE = new TcpProxy(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)));
        PROXIED_URL = "jdbc:postgresql://127.0.0.1:" + DATABASE.port() + "/" + m.group(3) + (m.group(4) == null ? "" : m.group(4));
    }

    @DynamicPropertySource
    static void stores(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> PROXIED_URL);
        registry.add("spring.datasource.username", () -> DATABASE_USER);
        registry.add("spring.datasource.hikari.connection-timeout", () -> "3000");
        registry.add("spring.data.redis.host", () -> "127.0.0.1");
        registry.add("spring.data.redis.port", REDIS::port);
        registry.add("flashsale.inventory.breaker-window", () -> "4");
        registry.add("flashsale.inventory.breaker-open-for", () -> "1s");
        registry.add("flashsale.ordering.breaker-window", () -> "4");
        registry.add("flashsale.ordering.breaker-open-for", () -> "5s");
        registry.add("flashsale.reconciler.stale-reservation-after", () -> "2s");
    }

    private boolean onCluster() {
        return getClass().isAnnotationPresent(OnRedisCluster.class);
    }

    /** The drill's Redis Cluster (only for a drill marked {@link OnRedisCluster}). */
    protected RedisCluster cluster() {
        return RedisCluster.current();
    }

    /** Redis goes away: the server, or every node of the cluster, stops without saving. */
    protected void stopRedis() {
        if (onCluster()) {
            cluster().halt();
        } else {
            REDIS.stop();
        }
    }

    /** Redis comes back, from its last snapshot if there is one (empty if not). */
    protected void startRedis() {
        if (onCluster()) {
            cluster().resume();
        } else {
            REDIS.start();
        }
    }

    /** Forgets Redis's snapshot(s), so that it comes back empty. */
    protected void deleteRedisSnapshot() {
        if (onCluster()) {
            cluster().deleteSnapshots();
        } else {
            REDIS.deleteSnapshot();
        }
    }

    /** Redis writes a snapshot now (every node of the cluster). */
    protected void snapshotRedis() {
        if (onCluster()) {
            cluster().snapshot();
        } else {
            redis.execute(c -> {
                c.serverCommands().save();
                return null;
            }, true);
        }
    }

    /** The command-line settings that point an application process at the drill's Redis. */
    protected List<String> redisArguments() {
        return onCluster()
                ? List.of("--spring.data.redis.cluster.nodes=" + cluster().nodes())
                : List.of("--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + REDIS.port());
    }

    /**
     * The settings of an application process on the drill's stores, as an operator would give
     * them: its port, Redis, PostgreSQL (through the proxy), the gateway's user header, a token
     * secret, the tests' admin key; the reconciler off (a drill runs its passes when it means to).
     */
    protected List<String> processArguments(int port) {
        List<String> settings = new ArrayList<>(redisArguments());
        settings.addAll(List.of(
                "--server.port=" + port,
                "--spring.datasource.url=" + DATABASE_URL,
                "--spring.datasource.username=" + DATABASE_USER,
                "--flashsale.security.trusted-header.enabled=true",
                "--flashsale.security.jwt-secret=fault-drill-secret-fault-drill-secret-0123",
                "--flashsale.security.admin-key=" + Api.ADMIN_KEY,
                "--flashsale.reconciler.enabled=false"));
        return settings;
    }

    /** A port nobody listens on now. */
    protected static int freePort() {
        return ServerProcess.freePort();
    }

    /** I3: every order a buyer was told of (its id from the 201) is committed and completed. */
    protected void assertEveryConfirmedOrderIsCommitted(List<String> orderIds) {
        List<String> committed = jdbc.sql("SELECT id::text FROM orders WHERE id = ANY (?::uuid[]) AND status = 'completed'")
                .param(orderIds.toArray(String[]::new)).query(String.class).list();
        assertThat(committed).as("I3 orders confirmed to buyers (201) and committed")
                .containsExactlyInAnyOrderElementsOf(orderIds);
    }

    /** Milliseconds since a {@link System#nanoTime()} reading. */
    protected static long millisSince(long origin) {
        return (System.nanoTime() - origin) / 1_000_000;
    }

    /** PostgreSQL without the proxy, for looking while the proxy is cut. */
    protected static JdbcClient direct() {
        DriverManagerDataSource ds = new DriverManagerDataSource(DATABASE_URL, DATABASE_USER, "");
        return JdbcClient.create(ds);
    }
}
