package dev.flashsale;

import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/** Whether a failure is PostgreSQL or Redis out of reach, rather than a refusal or a bug. */
public final class StoreFailures {

    private StoreFailures() {
    }

    /** The cause that says a store could not be reached, or null if that is not why it failed. */
    public static @Nullable Throwable unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String type = t.getClass().getName();
            if (t instanceof DataAccessResourceFailureException
                    || t instanceof TransientDataAccessResourceException
                    || t instanceof RecoverableDataAccessException
                    || t instanceof QueryTimeoutException
                    || t instanceof CannotCreateTransactionException
                    || t instanceof TransactionSystemException
                    || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLRecoverableException
                    || type.equals("io.lettuce.core.RedisConnectionException")
                    || type.equals("io.github.resilience4j.circuitbreaker.CallNotPermittedException")) {
                return t;
            }
        }
        return null;
    }
}
