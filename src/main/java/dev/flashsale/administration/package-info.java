/**
 * Admin changes to sales that move catalog and inventory together, each recorded in the admin audit
 * log in the same transaction.
 */
@NullMarked
package dev.flashsale.administration;

import org.jspecify.annotations.NullMarked;
