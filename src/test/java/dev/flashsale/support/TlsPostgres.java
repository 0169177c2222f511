package dev.flashsale.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL of the test's own (zonky's embedded binaries, temporary data) that accepts TCP
 * connections over TLS only, with the test's server certificate, on 127.0.0.1 and 127.0.0.2 (an
 * address the certificate does not name). The machine's shared server is left alone. TLS is the
 * point here: any client that completes the handshake is trusted as any user, so the test needs
 * no passwords. {@link #close()} stops it and deletes its data.
 */
public final class TlsPostgres implements AutoCloseable {

    private static final String HBA = """
            # TCP over TLS only; a connection without it matches no line and is refused
            hostssl all all 127.0.0.1/32 trust
            hostssl all all 127.0.0.2/32 trust
            hostssl all all ::1/128      trust
            """;

    private final EmbeddedPostgres postgres;

    private TlsPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts it with its configuration in {@code dir}. */
    public static TlsPostgres start(Path dir, TestCertificates certs) {
        try {
            Path hba = Files.writeString(dir.resolve("pg_hba.conf"), HBA);
            return new TlsPostgres(EmbeddedPostgres.builder()
                    .setPort(freePort())
                    .setServerConfig("listen_addresses", "127.0.0.1,127.0.0.2")
                    .setServerConfig("hba_file", hba.toString())
                    .setServerConfig("ssl", "on")
                    .setServerConfig("ssl_cert_file", certs.serverCert().toString())
                    .setServerConfig("ssl_key_file", certs.serverKey().toString())
                    .setServerConfig("max_connections", "40")
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
