package dev.flashsale.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Debian's PgBouncer in transaction pooling mode, as a process of the test's own, with the operators'
 * ops/pgbouncer/pgbouncer.ini and, in a configuration generated in a temporary folder, overrides for
 * the test: listening on 127.0.0.1 on a free port, every database of the upstream PostgreSQL, trust
 * authentication, no TLS, a small pool. Its log goes to a file. Without {@code pgbouncer} the
 * calling test is skipped, and reported as skipped, except where
 * {@code FLASHSALE_POOLER_TESTS=required} (as in .ci/run): there it fails. PgBouncer refuses to run
 * as root, so as root it is started with {@code -u nobody}.
 */
public final class PgBouncer implements AutoCloseable {

    /** The operators' file, which the tests use with their own overrides. */
    private static final Path PRODUCTION_CONFIG = Path.of("ops", "pgbouncer", "pgbouncer.ini").toAbsolutePath();
    private static final Pattern JDBC = Pattern.compile("jdbc:postgresql://([^:/]+)(?::(\\d+))?/([^?]+)(\\?.*)?");

    /** A PostgreSQL to pool: host, port, database and user (trusted: the tests use no passwords). */
    public record Upstream(String host, int port, String database, String user) {

        /** PostgreSQL itself, without the pooler: for Flyway, and for looking behind PgBouncer's back. */
        public String directUrl() {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        public JdbcClient direct() {
            return JdbcClient.create(new DriverManagerDataSource(directUrl(), user, ""));
        }

        /**
         * The PostgreSQL the tests are configured with (SPRING_DATASOURCE_URL and _USERNAME), or, on
         * a machine without one, an embedded PostgreSQL started for the run.
         */
        public static synchronized Upstream configured() {
            String url = System.getenv("SPRING_DATASOURCE_URL");
            String user = System.getenv().getOrDefault("SPRING_DATASOURCE_USERNAME", "postgres");
            if (url == null) {
                try {
                    return new Upstream("127.0.0.1", EmbeddedPostgres.builder().start().getPort(), "postgres", "postgres");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            Matcher m = JDBC.matcher(url);
            if (!m.matches()) {
                throw new IllegalStateException("cannot put PgBouncer in front of " + url);
            }
            return new Upstream(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)), m.group(3), user);
        }
    }

    private final ServerProcess process;
    private final Path dir;
    private final Upstream upstream;
    private final int port;

    private PgBouncer(ServerProcess process, Path dir, Upstream upstream, int port) {
        this.process = process;
        this.dir = dir;
        this.upstream = upstream;
        this.port = port;
    }

    /**
     * Starts PgBouncer in front of {@code upstream}, with at most {@code serverConnections}
     * connections to it (fewer than the application's pool, so that transactions of different
     * client connections do share server connections), and waits until it answers.
     */
    public static PgBouncer start(Upstream upstream, int serverConnections) {
        Path binary = binary();
        try {
            int port = ServerProcess.freePort();
            Path dir = Files.createTempDirectory("flash-sale-pgbouncer");
            Files.writeString(dir.resolve("userlist.txt"), "\"" + upstream.user() + "\" \"\"\n");
            Path production = Files.copy(PRODUCTION_CONFIG, dir.resolve("production.ini"));
            // a [pgbouncer] section resets every setting, so the overrides follow the included file
            // (which ends in that section) and the upstream comes last
            Path config = Files.writeString(dir.resolve("pgbouncer.ini"), """
                    %%include %s
                    listen_addr = 127.0.0.1
                    listen_port = %d
                    unix_socket_dir =
                    pidfile =
                    logfile =
                    auth_type = trust
                    auth_file = %s
                    client_tls_sslmode = disable
                    server_tls_sslmode = disable
                    default_pool_size = %d
                    reserve_pool_size = 0

                    [databases]
                    * = host=%s port=%d
                    """.formatted(production, port, dir.resolve("userlist.txt"), serverConnections,
                    upstream.host(), upstream.port()));
            Path log = dir.resolve("pgbouncer.log");
            List<String> command = new ArrayList<>(List.of(binary.toString()));
            if ("root".equals(System.getProperty("user.name"))) {
                // it reads its files after switching user, whatever the umask
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                for (Path file : List.of(dir.resolve("userlist.txt"), production, config)) {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
                }
                command.addAll(List.of("-u", "nobody"));
            }
            command.add(config.toString());
            PgBouncer pgBouncer = new PgBouncer(ServerProcess.start("PgBouncer", new ProcessBuilder(command), log),
                    dir, upstream, port);
            pgBouncer.process.awaitReady(() -> pgBouncer.client().sql("SELECT 1").query(Integer.class).single() == 1);
            return pgBouncer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code pgbouncer} from PGBOUNCER_PATH, the PATH, or /usr/sbin; without one, skipped or failed. */
    public static Path binary() {
        return Binaries.find("pgbouncer", "PGBOUNCER_PATH", "FLASHSALE_POOLER_TESTS", "connection pooler tests");
    }

    /**
     * Why the connection pooler tests cannot run here (no pgbouncer), or null; fails instead where
     * they are required. For a class that must skip each of its tests, so that each is reported.
     */
    public static String missing() {
        return Binaries.missing(PgBouncer::binary);
    }

    public int port() {
        return port;
    }

    public Upstream upstream() {
        return upstream;
    }

    /**
     * The URL an application uses through PgBouncer: {@code prepareThreshold=0}, because in
     * transaction pooling a statement prepared on one server connection is unknown to the next.
     */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + upstream.database() + "?prepareThreshold=0";
    }

    /** A client through PgBouncer (a connection per statement). */
    public JdbcClient client() {
        return JdbcClient.create(new DriverManagerDataSource(url(), upstream.user(), ""));
    }

    public String output() {
        return process.output();
    }

    /** Stops it (SIGTERM: it closes every connection at once) and deletes its folder. */
    @Override
    public void close() {
        process.close();
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
