package dev.flashsale.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Debian's HAProxy with the operators' ops/haproxy/haproxy.cfg, set through its environment
 * variables, in the foreground as a process of the test's own, its output in a file. Without
 * {@code haproxy} the calling test is skipped, and reported as skipped, except where
 * {@code FLASHSALE_EDGE_TESTS=required} (as in .ci/run): there it fails.
 */
public final class EdgeProxy implements AutoCloseable {

    private static final Path CONFIG = Path.of("ops", "haproxy", "haproxy.cfg").toAbsolutePath();

    private final ServerProcess process;
    private final Path log;
    private final int port;

    private EdgeProxy(ServerProcess process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts it on a free loopback port with {@code settings} (FLASHSALE_EDGE_APP1, ...), and waits
     * until a readiness check passes through it.
     */
    public static EdgeProxy start(Map<String, String> settings) {
        Path binary = binary();
        try {
            int port = ServerProcess.freePort();
            Path log = Files.createTempFile("flash-sale-haproxy", ".log");
            ProcessBuilder builder = new ProcessBuilder(binary.toString(), "-f", CONFIG.toString(), "-db");
            builder.environment().keySet().removeIf(name -> name.startsWith("FLASHSALE_EDGE_"));
            builder.environment().put("FLASHSALE_EDGE_BIND", "127.0.0.1:" + port);
            // the default (20,000) needs ~40,000 file descriptors
            builder.environment().put("FLASHSALE_EDGE_MAXCONN", "4000");
            builder.environment().putAll(settings);
            EdgeProxy edge = new EdgeProxy(ServerProcess.start("HAProxy", builder, log), log, port);
            Api api = new Api(port);
            edge.process.awaitReady(() -> api.get("/actuator/health/readiness").status() == 200);
            return edge;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code haproxy} from HAPROXY_PATH, the PATH, or /usr/sbin; without one, skipped or failed. */
    public static Path binary() {
        return Binaries.find("haproxy", "HAPROXY_PATH", "FLASHSALE_EDGE_TESTS", "edge proxy tests");
    }

    /** Why the edge proxy tests cannot run here (no haproxy), or null; fails instead where they are required. */
    public static String missing() {
        return Binaries.missing(EdgeProxy::binary);
    }

    public int port() {
        return port;
    }

    public String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
