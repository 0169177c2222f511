/**
 * The ordering module's workings: the orders table's statements and the group-commit writer.
 */
@NullMarked
package dev.flashsale.ordering.internal;

import org.jspecify.annotations.NullMarked;
