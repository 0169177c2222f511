/**
 * The admin audit log: an append-only table of who did what, when, from where.
 */
@NullMarked
package dev.flashsale.auditlog;

import org.jspecify.annotations.NullMarked;
