package dev.flashsale.runtime;

import java.net.ConnectException;
import java.net.UnknownHostException;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;

/**
 * Turns "PostgreSQL/Redis is not there" at start-up into one clear message instead of a long
 * stack trace: what could not be reached, where, and what to do.
 */
class UnreachableDependencyAnalyzer implements FailureAnalyzer {

    private final Environment env;

    UnreachableDependencyAnalyzer(Environment env) {
        this.env = env;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        boolean postgres = false;
        boolean redis = false;
        boolean unreachable = false;
        Throwable cause = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String type = t.getClass().getName();
            postgres |= type.startsWith("org.postgresql.") || type.contains("Hikari") || type.startsWith("org.flywaydb.");
            redis |= type.startsWith("io.lettuce.") || type.startsWith("org.springframework.data.redis.");
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || type.equals("org.springframework.data.redis.RedisConnectionFailureException")
                    || (type.equals("org.postgresql.util.PSQLException") && String.valueOf(t.getMessage()).contains("Connection"))) {
                unreachable = true;
                cause = t;
            }
        }
        if (!unreachable || (!postgres && !redis)) {
            return null;
        }
        String what = postgres
                ? "PostgreSQL at " + env.getProperty("spring.datasource.url", "(spring.datasource.url is not set)")
                : "Redis at " + env.getProperty("spring.data.redis.host", "localhost") + ":"
                + env.getProperty("spring.data.redis.port", "6379");
        return new FailureAnalysis(
                "The flash-sale service could not reach " + what + ": " + cause.getMessage(),
                "Start " + (postgres ? "PostgreSQL" : "Redis") + " or point the service at it with "
                        + (postgres ? "SPRING_DATASOURCE_URL, SPRING_DATASOURCE_USERNAME and SPRING_DATASOURCE_PASSWORD"
                        : "SPRING_DATA_REDIS_HOST and SPRING_DATA_REDIS_PORT")
                        + ". To try the service without installing anything, run ./mvnw spring-boot:run (local mode "
                        + "with embedded servers).",
                failure);
    }
}
