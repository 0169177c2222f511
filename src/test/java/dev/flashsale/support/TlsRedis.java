package dev.flashsale.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * A redis-server of the test's own that speaks only TLS (no plaintext port), on a free port of
 * 127.0.0.1 (and 127.0.0.2, an address its certificate does not name): clients must present a
 * certificate signed by the test's CA, and sign in, either as the {@code default} user with the
 * {@code requirepass} password or as an ACL user that may touch only the service's keys
 * ({@code fs:*}). Nothing is persisted. {@link #close()} stops it.
 */
public final class TlsRedis implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private TlsRedis(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code redisServer} with its files in {@code dir} and waits until it accepts
     * connections.
     */
    public static TlsRedis start(String redisServer, Path dir, TestCertificates certs, String defaultPassword,
                                 String user, String userPassword) {
        try {
            int port = freePort();
            Path log = dir.resolve("redis-" + port + ".log");
            Process process = new ProcessBuilder(List.of(redisServer,
                    "--bind", "127.0.0.1", "127.0.0.2",
                    "--port", "0",
                    "--tls-port", Integer.toString(port),
                    "--tls-cert-file", certs.serverCert().toString(),
                    "--tls-key-file", certs.serverKey().toString(),
                    "--tls-ca-cert-file", certs.ca().toString(),
                    "--tls-auth-clients", "yes",
                    "--requirepass", defaultPassword,
                    "--user", user, "on", ">" + userPassword, "~fs:*", "&fs:*", "+@all",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", dir.toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // a test run cut short (^C) does not leave it running; close() is the ordinary way
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "tls-redis-stop"));
            TlsRedis redis = new TlsRedis(process, port, log);
            redis.awaitReady(Duration.ofSeconds(20));
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private void awaitReady(Duration timeout) {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(50))
                    .until(() -> output().contains("Ready to accept connections") || !process.isAlive());
        } catch (ConditionTimeoutException slow) {
            // reported below, with the output
        }
        if (output().contains("Ready to accept connections")) {
            return;
        }
        String output = output();
        close();
        throw new IllegalStateException("redis-server did not start with TLS; its output:\n" + output);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
