package dev.flashsale.runtime;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.sql.SQLException;

import javax.net.ssl.SSLException;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;

/**
 * Turns "PostgreSQL/Redis is not there, refused our credentials or (Redis) a key or channel, or
 * failed the TLS handshake" at start-up into one clear message instead of a long stack trace:
 * which server, what went wrong, and which settings to look at.
 */
class UnreachableDependencyAnalyzer implements FailureAnalyzer {

    /** What went wrong, from the least to the most specific: a specific cause names the settings to fix. */
    private enum Problem { UNREACHABLE, CREDENTIALS, PERMISSIONS, TLS }

    private final Environment env;

    UnreachableDependencyAnalyzer(Environment env) {
        this.env = env;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        boolean postgres = false;
        boolean redis = false;
        Problem problem = null;
        Throwable cause = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String type = t.getClass().getName();
            postgres |= type.startsWith("org.postgresql.") || type.contains("Hikari") || type.startsWith("org.flywaydb.");
            redis |= type.startsWith("io.lettuce.") || type.startsWith("org.springframework.data.redis.");
            Problem found = problemOf(t, type);
            // the innermost of the most specific causes says it best
            if (found != null && (problem == null || found.compareTo(problem) >= 0)) {
                problem = found;
                cause = t;
            }
        }
        if (problem == null || (!postgres && !redis)) {
            return null;
        }
        String what = postgres
                ? "PostgreSQL at " + env.getProperty("spring.datasource.url", "(spring.datasource.url is not set)")
                : env.containsProperty("spring.data.redis.cluster.nodes")
                ? "the Redis Cluster at " + env.getProperty("spring.data.redis.cluster.nodes")
                : "Redis at " + env.getProperty("spring.data.redis.host", "localhost") + ":"
                + env.getProperty("spring.data.redis.port", "6379");
        return switch (problem) {
            case UNREACHABLE -> new FailureAnalysis(
                    "The flash-sale service could not reach " + what + ": " + cause.getMessage(),
                    "Start " + (postgres ? "PostgreSQL" : "Redis") + " or point the service at it with "
                            + (postgres ? "SPRING_DATASOURCE_URL, SPRING_DATASOURCE_USERNAME and SPRING_DATASOURCE_PASSWORD"
                            : env.containsProperty("spring.data.redis.cluster.nodes")
                            ? "SPRING_DATA_REDIS_CLUSTER_NODES"
                            : "SPRING_DATA_REDIS_HOST and SPRING_DATA_REDIS_PORT")
                            + ". To try the service without installing anything, run ./mvnw spring-boot:run (local mode "
                            + "with embedded servers).",
                    failure);
            case CREDENTIALS -> new FailureAnalysis(
                    "The flash-sale service could not sign in to " + what + ": " + cause.getMessage(),
                    postgres
                            ? "Check SPRING_DATASOURCE_USERNAME and SPRING_DATASOURCE_PASSWORD, and that the server's "
                            + "pg_hba.conf admits that user from this host."
                            : "Check SPRING_DATA_REDIS_PASSWORD, and SPRING_DATA_REDIS_USERNAME for an ACL user (unset "
                            + "for Redis's default user, the one requirepass protects).",
                    failure);
            case PERMISSIONS -> new FailureAnalysis(
                    "The flash-sale service signed in to " + what + ", but its user may not use what the service "
                            + "needs: " + cause.getMessage(),
                    "Give the Redis ACL user (SPRING_DATA_REDIS_USERNAME) the service's keys and its channel, all "
                            + "under fs:, and the commands: user <name> on >password ~fs:* &fs:* +@all (Redis 7 "
                            + "gives a new user no channel unless & names it). See README.md, \"Production settings: "
                            + "Redis AUTH/TLS and PostgreSQL TLS\".",
                    failure);
            case TLS -> new FailureAnalysis(
                    "The flash-sale service could not open a TLS connection to " + what + ": " + cause.getMessage(),
                    postgres
                            ? "Check sslmode and sslrootcert in SPRING_DATASOURCE_URL: with sslmode=verify-full the "
                            + "certificate in sslrootcert must have signed the server's certificate, and that "
                            + "certificate must name the host in the URL. A server that accepts only TLS needs an "
                            + "sslmode other than disable."
                            : "Check SPRING_DATA_REDIS_SSL_ENABLED (the server's TLS port needs it) and "
                            + "SPRING_DATA_REDIS_SSL_BUNDLE: the bundle's truststore certificate must have signed the "
                            + "server's certificate, which must name SPRING_DATA_REDIS_HOST; a server that asks for "
                            + "client certificates needs the bundle's keystore too. See README.md, \"Production "
                            + "settings: Redis AUTH/TLS and PostgreSQL TLS\".",
                    failure);
        };
    }

    private static Problem problemOf(Throwable t, String type) {
        String message = String.valueOf(t.getMessage());
        if (t instanceof SSLException || t instanceof CertificateException) {
            return Problem.TLS;
        }
        if (type.startsWith("io.lettuce.") && (message.startsWith("WRONGPASS") || message.startsWith("NOAUTH"))) {
            return Problem.CREDENTIALS;
        }
        if (type.startsWith("io.lettuce.") && message.startsWith("NOPERM")) {
            return Problem.PERMISSIONS;
        }
        if (type.equals("org.postgresql.util.PSQLException")) {
            String state = String.valueOf(((SQLException) t).getSQLState());
            if (message.contains("SSL") || message.contains("could not be verified") || message.contains("no encryption")) {
                return Problem.TLS;
            }
            if (state.startsWith("28")) {
                return Problem.CREDENTIALS;
            }
            return message.contains("Connection") ? Problem.UNREACHABLE : null;
        }
        if (t instanceof ConnectException || t instanceof UnknownHostException
                || type.equals("org.springframework.data.redis.RedisConnectionFailureException")) {
            return Problem.UNREACHABLE;
        }
        return null;
    }
}
