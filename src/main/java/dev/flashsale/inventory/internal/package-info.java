/**
 * The inventory's workings: Redis scripts and keys, the circuit-broken Redis calls, local caches of
 * stock and buyers, warm-up. Only the inventory module uses them.
 */
@NullMarked
package dev.flashsale.inventory.internal;

import org.jspecify.annotations.NullMarked;
