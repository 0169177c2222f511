package dev.flashsale.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import static org.awaitility.Awaitility.await;

/** A server program a test runs (HAProxy, PgBouncer): in the foreground, its output in a file. */
final class ServerProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private ServerProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts it with its output (standard output and error) in {@code log}. */
    static ServerProcess start(String name, ProcessBuilder builder, Path log) throws IOException {
        return new ServerProcess(name, builder.redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
    }

    /** Waits until {@code ready} answers true; if it exits first or 15 s pass, stops it and fails with its output. */
    void awaitReady(Callable<Boolean> ready) {
        try {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .failFast(name + " exited", () -> !process.isAlive())
                    .until(ready);
        } catch (ConditionTimeoutException | TerminalFailureException notReady) {
            String output = output();
            close();
            throw new IllegalStateException(name + " did not get ready; its output:\n" + output, notReady);
        }
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it does not stop within 10 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A port on 127.0.0.1 that is free now, for a program that listens on it at once. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
