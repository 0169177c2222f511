package dev.flashsale.ordering;

import org.springframework.dao.DataAccessResourceFailureException;

/**
 * An order waited longer than {@code flashsale.ordering.queue-timeout} for a database writer and
 * was withdrawn before any writer took it: it was certainly not written. The purchase answers 503
 * and its reservation is released. Not retried (the queue is long) and not counted as a database
 * failure by the circuit breaker (the database may be merely busy).
 */
public class OrderQueueTimeoutException extends DataAccessResourceFailureException {

    public OrderQueueTimeoutException(String message) {
        super(message);
    }
}
