/**
 * Consistency between Redis and PostgreSQL: the audit, the reconciler, and their admin endpoints.
 */
@NullMarked
package dev.flashsale.reconciliation;

import org.jspecify.annotations.NullMarked;
