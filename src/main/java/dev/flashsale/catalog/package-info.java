/**
 * Products and their sale windows in PostgreSQL, with a short-lived cache of their definitions.
 */
@NullMarked
package dev.flashsale.catalog;

import org.jspecify.annotations.NullMarked;
