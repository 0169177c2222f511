package dev.flashsale.runtime;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

import dev.flashsale.support.Api;
import dev.flashsale.support.AppProcess;
import dev.flashsale.support.TestCertificates;
import dev.flashsale.support.TlsPostgres;
import dev.flashsale.support.TlsRedis;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The service in production mode, as its own process, over encrypted connections only: a Redis
 * with no plaintext port that wants a client certificate and a password (an ACL user limited to the
 * service's keys), and a PostgreSQL that accepts TLS only, verified by the service with
 * {@code sslmode=verify-full}. The test makes the certificates and starts both servers; the
 * service is configured with the environment variables README.md shows for production, nothing
 * else. Needs Debian's {@code redis-server} and {@code openssl}: without them the tests are skipped
 * and reported as skipped, except where {@code FLASHSALE_TLS_TESTS=required} (as in .ci/run):
 * there they fail.
 */
class EncryptedConnectionsTest {

    private static final Pattern STARTED = Pattern.compile("(?s)Tomcat started on port (\\d+).*Started FlashSaleApplication");
    private static final String APP_USER = "flashsale";
    private static final String APP_PASSWORD = "app-" + UUID.randomUUID();
    private static final String DEFAULT_PASSWORD = "default-" + UUID.randomUUID();
    /** The test's own PostgreSQL sessions, told apart from the service's. */
    private static final String TEST_SESSION = "encrypted-connections-test";

    @TempDir
    static Path dir;

    private static TestCertificates certs;
    private static TlsRedis redis;
    private static TlsPostgres postgres;
    private static ClientResources lettuce;
    private static LogLevel rootLevel;

    @BeforeAll
    static void startServers() throws IOException {
        String redisServer = tool("redis-server", "redis-server");
        String openssl = tool("openssl", "openssl");
        // no Spring context sets the levels of the test's own clients (zonky, Lettuce, Netty); the
        // level is the whole test JVM's, so it is given back afterwards
        LoggingSystem logging = LoggingSystem.get(EncryptedConnectionsTest.class.getClassLoader());
        rootLevel = logging.getLoggerConfiguration(LoggingSystem.ROOT_LOGGER_NAME).getConfiguredLevel();
        logging.setLogLevel(null, LogLevel.WARN);
        certs = TestCertificates.create(Files.createDirectories(dir.resolve("certs")), openssl);
        redis = TlsRedis.start(redisServer, Files.createDirectories(dir.resolve("redis")), certs,
                DEFAULT_PASSWORD, APP_USER, APP_PASSWORD);
        postgres = TlsPostgres.start(Files.createDirectories(dir.resolve("postgres")), certs);
        lettuce = DefaultClientResources.create();
    }

    @AfterAll
    static void stopServers() {
        LoggingSystem.get(EncryptedConnectionsTest.class.getClassLoader()).setLogLevel(null, rootLevel);
        try {
            if (lettuce != null) {
                lettuce.shutdown().awaitUninterruptibly(10_000);
            }
        } finally {
            try {
                if (redis != null) {
                    redis.close();
                }
            } finally {
                if (postgres != null) {
                    postgres.close();
                }
            }
        }
    }

    @Test
    void theServiceSellsOverTlsToRedisWithAuthAndToAVerifiedPostgres() throws Exception {
        try (AppProcess app = AppProcess.start(production(APP_PASSWORD), "--server.port=0")) {
            Api api = new Api(Integer.parseInt(app.await(STARTED, Duration.ofSeconds(120)).group(1)));

            UUID product = createSale(api, 5, Instant.now().minus(Duration.ofMinutes(1)), Instant.now().plus(Duration.ofHours(1)));
            String buyer = "tls-buyer-" + UUID.randomUUID();
            Api.Reply bought = purchase(api, product, buyer);
            assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
            UUID order = UUID.fromString(bought.data().path("orderId").asString());

            // PostgreSQL holds the order, and the outbox delivered its counter update
            try (Connection db = postgres("localhost", "sslmode=verify-full&sslrootcert=" + certs.ca())) {
                assertThat(rows(db, "SELECT user_id || ' ' || product_id || ' ' || status || ' ' || quantity FROM orders WHERE id = '"
                        + order + "'")).containsExactly(buyer + " " + product + " completed 1");
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(rows(db,
                        "SELECT sold_quantity FROM products WHERE id = '" + product + "'")).containsExactly("1"));
                // and every session the service holds is encrypted
                List<String> sessions = rows(db, """
                        SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                        WHERE a.backend_type = 'client backend' AND a.application_name <> '%s'""".formatted(TEST_SESSION));
                assertThat(sessions).isNotEmpty().containsOnly("t");
            }

            // Redis holds the sale's state: one unit fewer, the buyer recorded, nothing left pending
            String stock = asDefaultUser(r -> r.get("fs:{" + product + "}:stock"));
            boolean recorded = asDefaultUser(r -> r.sismember("fs:{" + product + "}:buyers", buyer));
            assertThat(stock).isEqualTo("4");
            assertThat(recorded).as("the buyer in Redis").isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> asDefaultUser(r -> r.hlen("fs:{" + product + "}:pending")) == 0);

            // the shared purchase limit: Bucket4j's own connection to Redis. Its failures are not
            // the buyer's (the attempt goes on), so its bucket in Redis is the proof it works
            UUID upcoming = createSale(api, 5, Instant.now().plus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(2)));
            String hammer = "tls-hammer-" + UUID.randomUUID();
            List<Integer> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(purchase(api, upcoming, hammer).status());
            }
            assertThat(answers).as("answers").startsWith(403, 403).contains(429);
            long expiry = asDefaultUser(r -> r.ttl("fs:limits:purchase:" + hammer));
            assertThat(expiry).as("the shared bucket's expiry").isPositive();
            // the service's connections (its shared one and Bucket4j's, at least) signed in as its user
            assertThat(asDefaultUser(r -> r.clientList()).lines().filter(client -> client.contains(" user=" + APP_USER + " ")))
                    .hasSizeGreaterThanOrEqualTo(2);
            // and the subscription to other instances' sale changes (a channel the ACL user must be allowed)
            assertThat(asDefaultUser(r -> r.pubsubNumsub("fs:sale-changes")).get("fs:sale-changes"))
                    .as("subscribers of fs:sale-changes").isEqualTo(1L);
        }
    }

    @Test
    void aWrongRedisPasswordStopsStartUpWithAClearMessage() throws Exception {
        try (AppProcess app = AppProcess.start(production("not-" + APP_PASSWORD), "--server.port=0")) {
            int exit = app.awaitExit(Duration.ofSeconds(120));
            String output = app.output();
            assertThat(exit).as(output).isNotZero();
            assertThat(output)
                    .contains("The flash-sale service could not sign in to Redis at 127.0.0.1:" + redis.port() + ": WRONGPASS")
                    .contains("SPRING_DATA_REDIS_PASSWORD")
                    .doesNotContain(APP_PASSWORD);
        }
    }

    @Test
    void anAclUserWithoutTheServicesChannelStopsStartUpWithAClearMessage() throws Exception {
        // the keys but not the channel: what a Redis 7 ACL gives a user whose line has no &pattern
        String user = "keys-only";
        asDefaultUser(r -> r.aclSetuser(user, new AclSetuserArgs().on().addPassword(APP_PASSWORD)
                .keyPattern("fs:*").resetChannels().allCommands()));
        Map<String, String> env = production(APP_PASSWORD);
        env.put("SPRING_DATA_REDIS_USERNAME", user);
        try (AppProcess app = AppProcess.start(env, "--server.port=0")) {
            int exit = app.awaitExit(Duration.ofSeconds(120));
            String output = app.output();
            assertThat(exit).as(output).isNotZero();
            assertThat(output)
                    .contains("The flash-sale service signed in to Redis at 127.0.0.1:" + redis.port()
                            + ", but its user may not use what the service needs: NOPERM")
                    .contains("~fs:* &fs:* +@all")
                    .doesNotContain(APP_PASSWORD);
        }
    }

    @Test
    void redisAnswersOnlyATlsClientItsCaCertifiedThatSignsIn() throws Exception {
        // the control: a client with everything right
        assertThat(ping("127.0.0.1", SslVerifyMode.FULL, certs.ca(), true, APP_USER, APP_PASSWORD)).isEqualTo("PONG");

        // plaintext on the TLS port: the server hangs up without an answer
        assertThat(plaintextPing(redis.port())).isEmpty();

        // signed in wrongly, or not at all
        assertThatThrownBy(() -> ping("127.0.0.1", SslVerifyMode.FULL, certs.ca(), true, APP_USER, "wrong"))
                .satisfies(e -> assertThat(causes(e)).contains("WRONGPASS"))
                .satisfies(e -> assertThat(analysis(e).getDescription()).startsWith("The flash-sale service could not sign in to Redis"));
        assertThatThrownBy(() -> ping("127.0.0.1", SslVerifyMode.FULL, certs.ca(), true, null, null))
                .satisfies(e -> assertThat(causes(e)).contains("NOAUTH"));

        // a client without a certificate
        assertThatThrownBy(() -> ping("127.0.0.1", SslVerifyMode.FULL, certs.ca(), false, APP_USER, APP_PASSWORD))
                .satisfies(e -> assertThat(causes(e)).contains("certificate_required"));

        // a client trusting another CA refuses the server
        assertThatThrownBy(() -> ping("127.0.0.1", SslVerifyMode.FULL, certs.foreignCa(), true, APP_USER, APP_PASSWORD))
                .satisfies(e -> assertThat(causes(e)).contains("SSLHandshakeException"))
                .satisfies(e -> assertThat(analysis(e).getDescription())
                        .startsWith("The flash-sale service could not open a TLS connection to Redis"));

        // and one reaching it by an address its certificate does not name, unless told not to check names
        assertThatThrownBy(() -> ping("127.0.0.2", SslVerifyMode.FULL, certs.ca(), true, APP_USER, APP_PASSWORD))
                .satisfies(e -> assertThat(causes(e)).contains("subject alternative names matching IP address 127.0.0.2"));
        assertThat(ping("127.0.0.2", SslVerifyMode.CA, certs.ca(), true, APP_USER, APP_PASSWORD)).isEqualTo("PONG");

        // the service's user may touch the service's keys only
        assertThatThrownBy(() -> asUser(APP_USER, APP_PASSWORD, r -> r.set("not-the-service", "1")))
                .satisfies(e -> assertThat(causes(e)).contains("NOPERM"));
    }

    @Test
    void postgresAcceptsOnlyTlsAndVerifyFullRefusesACertificateItCannotVerify() throws Exception {
        // the controls: verified by name and by address, the session encrypted
        for (String host : List.of("localhost", "127.0.0.1")) {
            try (Connection db = postgres(host, "sslmode=verify-full&sslrootcert=" + certs.ca())) {
                assertThat(rows(db, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).containsExactly("t");
            }
        }

        // without TLS the server refuses
        assertThatThrownBy(() -> postgres("127.0.0.1", "sslmode=disable").close())
                .satisfies(e -> assertThat(e.getMessage()).contains("no encryption"))
                .satisfies(e -> assertThat(analysis(e).getDescription())
                        .startsWith("The flash-sale service could not open a TLS connection to PostgreSQL"));

        // verify-full refuses a server certificate that another CA signed...
        assertThatThrownBy(() -> postgres("localhost", "sslmode=verify-full&sslrootcert=" + certs.foreignCa()).close())
                .satisfies(e -> assertThat(causes(e)).contains("SSLHandshakeException"))
                .satisfies(e -> assertThat(analysis(e).getDescription())
                        .startsWith("The flash-sale service could not open a TLS connection to PostgreSQL"));

        // ...and one that does not name the host connected to, which mere encryption accepts
        assertThatThrownBy(() -> postgres("127.0.0.2", "sslmode=verify-full&sslrootcert=" + certs.ca()).close())
                .satisfies(e -> assertThat(e.getMessage()).contains("hostname 127.0.0.2 could not be verified"));
        try (Connection db = postgres("127.0.0.2", "sslmode=require")) {
            assertThat(rows(db, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).containsExactly("t");
        }
    }

    // --- the service ----------------------------------------------------------------------------

    /** README's production settings, pointed at the test's servers, with the test's identity settings. */
    private static Map<String, String> production(String redisPassword) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPRING_DATASOURCE_URL", "jdbc:postgresql://localhost:" + postgres.port()
                + "/postgres?sslmode=verify-full&sslrootcert=" + certs.ca());
        env.put("SPRING_DATASOURCE_USERNAME", "postgres");
        env.put("SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE", "5");
        env.put("SPRING_DATA_REDIS_HOST", "127.0.0.1");
        env.put("SPRING_DATA_REDIS_PORT", Integer.toString(redis.port()));
        env.put("SPRING_DATA_REDIS_USERNAME", APP_USER);
        env.put("SPRING_DATA_REDIS_PASSWORD", redisPassword);
        env.put("SPRING_DATA_REDIS_SSL_ENABLED", "true");
        env.put("SPRING_DATA_REDIS_SSL_BUNDLE", "redis");
        env.put("SPRING_SSL_BUNDLE_PEM_REDIS_TRUSTSTORE_CERTIFICATE", "file:" + certs.ca());
        env.put("SPRING_SSL_BUNDLE_PEM_REDIS_KEYSTORE_CERTIFICATE", "file:" + certs.clientCert());
        env.put("SPRING_SSL_BUNDLE_PEM_REDIS_KEYSTORE_PRIVATE_KEY", "file:" + certs.clientKey());
        env.put("FLASHSALE_SECURITY_JWT_SECRET", "tls-test-secret-tls-test-secret-0123456789");
        env.put("FLASHSALE_SECURITY_ADMIN_KEY", Api.ADMIN_KEY);
        env.put("FLASHSALE_SECURITY_TRUSTED_HEADER_ENABLED", "true");
        env.put("FLASHSALE_LIMITS_PURCHASE_PER_USER", "3/10s");
        return env;
    }

    private static UUID createSale(Api api, int total, Instant start, Instant end) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "TLS sale " + UUID.randomUUID());
        body.put("price", new java.math.BigDecimal("19.99"));
        body.put("totalQuantity", total);
        body.put("perUserLimit", 1);
        body.put("saleStartAt", start.toString());
        body.put("saleEndAt", end.toString());
        Api.Reply reply = api.post("/api/v1/admin/products", Api.json(body), Api.admin());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        return UUID.fromString(reply.data().path("id").asString());
    }

    private static Api.Reply purchase(Api api, UUID product, String user) {
        return api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}", Api.user(user));
    }

    // --- the test's own clients -----------------------------------------------------------------

    private static Connection postgres(String host, String tls) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("ApplicationName", TEST_SESSION);
        properties.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + postgres.port() + "/postgres?" + tls, properties);
    }

    private static List<String> rows(Connection db, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet result = db.createStatement().executeQuery(sql)) {
            while (result.next()) {
                rows.add(result.getString(1));
            }
        }
        return rows;
    }

    private static String ping(String host, SslVerifyMode verify, Path trusted, boolean clientCertificate,
                               String user, String password) {
        return redis(host, verify, trusted, clientCertificate, user, password, RedisCommands::ping);
    }

    private static <T> T asDefaultUser(Function<RedisCommands<String, String>, T> command) {
        return asUser("default", DEFAULT_PASSWORD, command);
    }

    private static <T> T asUser(String user, String password, Function<RedisCommands<String, String>, T> command) {
        return redis("127.0.0.1", SslVerifyMode.FULL, certs.ca(), true, user, password, command);
    }

    private static <T> T redis(String host, SslVerifyMode verify, Path trusted, boolean clientCertificate,
                               String user, String password, Function<RedisCommands<String, String>, T> command) {
        RedisURI.Builder uri = RedisURI.builder().withHost(host).withPort(redis.port())
                .withSsl(true).withVerifyPeer(verify).withTimeout(Duration.ofSeconds(5));
        if (password != null) {
            uri.withAuthentication(user, password);
        }
        SslOptions.Builder tls = SslOptions.builder().jdkSslProvider().trustManager(trusted.toFile());
        if (clientCertificate) {
            tls.keyManager(certs.clientCert().toFile(), certs.clientKey().toFile(), null);
        }
        RedisClient client = RedisClient.create(lettuce, uri.build());
        try {
            client.setOptions(ClientOptions.builder().sslOptions(tls.build()).build());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                return command.apply(connection.sync());
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** What the server answers a plaintext PING on the TLS port, until it hangs up. */
    private static String plaintextPing(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            try {
                for (int b = in.read(); b != -1; b = in.read()) {
                    answer.append((char) b);
                }
            } catch (java.net.SocketException reset) {
                // the server reset the connection: no answer either
            }
            return answer.toString();
        }
    }

    private static FailureAnalysis analysis(Throwable failure) {
        FailureAnalysis analysis = new UnreachableDependencyAnalyzer(new MockEnvironment()).analyze(failure);
        assertThat(analysis).as("an analysis of " + causes(failure)).isNotNull();
        return analysis;
    }

    private static String causes(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    private static String tool(String name, String debianPackage) {
        for (String folder : (System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin:/usr/sbin")
                .split(File.pathSeparator)) {
            Path candidate = Path.of(folder.isEmpty() ? "." : folder, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        String why = "no " + name + " on the PATH (apt-get install " + debianPackage + ")";
        if ("required".equals(System.getenv("FLASHSALE_TLS_TESTS"))) {
            throw new IllegalStateException("TLS tests are required here, but " + why);
        }
        Assumptions.abort("TLS tests skipped: " + why);
        return null;
    }
}
