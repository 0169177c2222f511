/**
 * What every HTTP answer shares: the envelope, problem details and their codes, body-size limits, security headers.
 */
@NullMarked
package dev.flashsale.web;

import org.jspecify.annotations.NullMarked;
