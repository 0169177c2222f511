/**
 * Rate limits, live-stream slots and the admin-key lockout: what one caller may take from the others.
 */
@NullMarked
package dev.flashsale.limits;

import org.jspecify.annotations.NullMarked;
