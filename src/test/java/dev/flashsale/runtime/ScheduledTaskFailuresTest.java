package dev.flashsale.runtime;

import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

import static org.assertj.core.api.Assertions.assertThat;

/** A scheduled job's failure: an unreachable store in one line, anything else with its stack trace. */
@ExtendWith(OutputCaptureExtension.class)
class ScheduledTaskFailuresTest {

    @Test
    void anUnreachableDatabaseIsOneWarnLine(CapturedOutput output) {
        int from = output.getAll().length();

        ScheduledTaskFailures.failed(new CannotCreateTransactionException("Could not open JDBC Connection",
                new CannotGetJdbcConnectionException("Failed to obtain JDBC Connection",
                        new SQLTransientConnectionException("HikariPool-1 - Connection is not available"))));

        String logged = output.getAll().substring(from);
        assertThat(logged).contains("WARN").contains("a store is unreachable").doesNotContain("ERROR");
        assertThat(logged.lines().count()).isEqualTo(1);
    }

    @Test
    void anyOtherFailureIsAnErrorWithItsStackTrace(CapturedOutput output) {
        int from = output.getAll().length();

        ScheduledTaskFailures.failed(new IllegalStateException("a bug"));

        String logged = output.getAll().substring(from);
        assertThat(logged).contains("ERROR").contains("scheduled job failed").contains("IllegalStateException: a bug");
        assertThat(logged.lines().count()).isGreaterThan(2);
    }
}
