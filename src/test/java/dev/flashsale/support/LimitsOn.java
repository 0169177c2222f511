package dev.flashsale.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.test.context.TestPropertySource;

/**
 * The limits on, as in production, with rates small enough to reach in a test. One set for every
 * test of the limits, so they share one application context. Each test attacks from loopback
 * addresses of its own (127.0.0.2 and up): buckets and stream slots are per address.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@TestPropertySource(properties = {
        "flashsale.limits.enabled=true",
        "flashsale.limits.purchase-per-address=1000/10s",
        "flashsale.limits.purchase-per-user=10/10s",
        "flashsale.limits.reads-per-address=200/10s",
        "flashsale.limits.streams-per-address=32",
        "flashsale.limits.streams-total=60",
        // one more application context for the suite: a small pool keeps PostgreSQL's connections for the others
        "spring.datasource.hikari.maximum-pool-size=5"})
public @interface LimitsOn {
}
