/**
 * The HTTP API of the sale: controllers, the hot path, live sale streams, and the mapping of business outcomes to statuses.
 */
@NullMarked
package dev.flashsale.api;

import org.jspecify.annotations.NullMarked;
