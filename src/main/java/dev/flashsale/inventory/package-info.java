/**
 * The live sale in Redis: reserve, confirm and release units in one script each, warm-up from PostgreSQL, stock changes.
 */
@NullMarked
package dev.flashsale.inventory;

import org.jspecify.annotations.NullMarked;
