/**
 * The products' sold quantities, kept by an outbox listener of placed orders.
 */
@NullMarked
package dev.flashsale.counters;

import org.jspecify.annotations.NullMarked;
