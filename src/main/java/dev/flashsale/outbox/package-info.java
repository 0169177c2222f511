/**
 * Delivery of events after commit: listener threads, retries with backoff, dead letters, the backlog.
 */
@NullMarked
package dev.flashsale.outbox;

import org.jspecify.annotations.NullMarked;
