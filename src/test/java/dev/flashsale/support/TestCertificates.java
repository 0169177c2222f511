package dev.flashsale.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * A private certificate authority made for one test run with the openssl command line tool, in a
 * folder of the test's: its certificate, a server certificate it signed for {@code localhost} and
 * {@code 127.0.0.1} (both kinds of subject alternative name, so clients may verify either), a
 * client certificate it signed, and the certificate of a second, unrelated authority (what a
 * client trusting the wrong CA holds). Keys are P-256, unencrypted PKCS#8 PEM, readable by their
 * owner only (PostgreSQL refuses a key file others may read). Valid for two days.
 */
public record TestCertificates(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey, Path foreignCa) {

    private static final String CONFIG = """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = flash-sale test
            [ca]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            [server]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = serverAuth
            subjectAltName = DNS:localhost,IP:127.0.0.1
            authorityKeyIdentifier = keyid
            [client]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = clientAuth
            authorityKeyIdentifier = keyid
            """;

    /** Makes them all in {@code dir} (which the caller deletes). */
    public static TestCertificates create(Path dir, String openssl) {
        try {
            Path config = Files.writeString(dir.resolve("openssl.cnf"), CONFIG);
            authority(openssl, dir, config, "ca", "flash-sale test CA");
            authority(openssl, dir, config, "foreign-ca", "another CA");
            signed(openssl, dir, config, "server", "localhost");
            signed(openssl, dir, config, "client", "flash-sale");
            return new TestCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                    dir.resolve("client.pem"), dir.resolve("client.key"), dir.resolve("foreign-ca.pem"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void authority(String openssl, Path dir, Path config, String name, String commonName) throws IOException {
        run(dir, openssl, "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".pem", "-days", "2",
                "-config", config.toString(), "-extensions", "ca", "-subj", "/CN=" + commonName);
        ownerOnly(dir.resolve(name + ".key"));
    }

    private static void signed(String openssl, Path dir, Path config, String name, String commonName) throws IOException {
        run(dir, openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-config", config.toString(), "-subj", "/CN=" + commonName);
        ownerOnly(dir.resolve(name + ".key"));
        run(dir, openssl, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", config.toString(), "-extensions", name);
    }

    private static void ownerOnly(Path key) throws IOException {
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    }

    private static void run(Path dir, String... command) throws IOException {
        Path log = dir.resolve("openssl.log");
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("openssl did not finish: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("openssl failed (" + String.join(" ", command) + "):\n" + Files.readString(log));
        }
    }
}
