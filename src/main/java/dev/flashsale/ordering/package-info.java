/**
 * The purchase use case, orders and their units in PostgreSQL (group commit), and the OrdersPlaced event.
 */
@NullMarked
package dev.flashsale.ordering;

import org.jspecify.annotations.NullMarked;
