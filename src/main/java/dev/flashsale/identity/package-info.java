/**
 * Who is calling: the security filter chain, tokens, web sessions, the trusted gateway header, the admin key.
 */
@NullMarked
package dev.flashsale.identity;

import org.jspecify.annotations.NullMarked;
