/**
 * How the process runs: local mode with embedded servers, start-up diagnostics, the fair connection gate.
 */
@NullMarked
package dev.flashsale.runtime;

import org.jspecify.annotations.NullMarked;
