package dev.flashsale.runtime;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * The production jar started with no database configured: says which settings it needs, and how
 * to try the service without installing anything, instead of Spring Boot's advice to put an
 * embedded H2, HSQL or Derby on the class path (the service runs on PostgreSQL only).
 */
class NoDatabaseConfiguredAnalyzer implements FailureAnalyzer, Ordered {

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getClass().getName().endsWith("DataSourceBeanCreationException")) {
                return new FailureAnalysis(
                        "No PostgreSQL is configured: spring.datasource.url is not set.",
                        "Point the service at PostgreSQL and Redis with SPRING_DATASOURCE_URL "
                                + "(jdbc:postgresql://host:5432/database), SPRING_DATASOURCE_USERNAME, "
                                + "SPRING_DATASOURCE_PASSWORD and SPRING_DATA_REDIS_HOST (README, \"Run it in "
                                + "production\"). To try the service without installing anything, run "
                                + "./mvnw spring-boot:run (local mode, embedded servers).",
                        t);
            }
        }
        return null;
    }

    /** Before Spring Boot's own analysis of the same failure. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
