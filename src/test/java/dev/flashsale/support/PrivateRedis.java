package dev.flashsale.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import redis.embedded.RedisServer;

/**
 * A Redis server of the test's own, on a spare port, that the test can stop, start empty, or
 * restart from an older snapshot. It uses the Redis binary embedded-redis ships, so it also runs
 * on a machine without Redis installed.
 */
public final class PrivateRedis {

    private final int port;
    private final Path dir;
    private RedisServer server;

    public PrivateRedis() {
        try {
            this.port = freePort();
            this.dir = Files.createTempDirectory("private-redis");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** Starts the server; it loads {@code dump.rdb} from its folder if a snapshot is there. */
    public synchronized void start() {
        try {
            server = RedisServer.newRedisServer()
                    .port(port)
                    .setting("dir " + dir)
                    .setting("dbfilename dump.rdb")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server without saving: whatever is not in the last snapshot is lost. */
    public synchronized void stop() {
        try {
            if (server != null) {
                server.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forgets the snapshot, so the next start is empty. */
    public void deleteSnapshot() {
        try {
            Files.deleteIfExists(dir.resolve("dump.rdb"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
