package dev.flashsale.api;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The rehearsal a starting instance runs on itself before it reports ready ({@link Rehearsal},
 * decision 0028).
 *
 * @param enabled  whether to rehearse; without it the instance reports ready as soon as it started,
 *                 and its first crowd meets code the JVM has not compiled yet
 * @param requests requests to send (purchases, repeated purchases and status reads)
 * @param timeout  the longest the rehearsal may take, the wait for the JIT compiler included; the
 *                 instance reports ready then, rehearsed or not
 */
@ConfigurationProperties("flashsale.rehearsal")
public record RehearsalProperties(@DefaultValue("true") boolean enabled,
                                  @DefaultValue("40000") int requests,
                                  @DefaultValue("30s") Duration timeout) {

    public RehearsalProperties {
        if (requests < 0 || timeout.isNegative()) {
            throw new IllegalArgumentException("flashsale.rehearsal.requests and timeout must not be negative");
        }
    }
}
