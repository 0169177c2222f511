package dev.flashsale.limits;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * What one client address or one user may send, and how admin-key guesses are stopped
 * (docs/decisions/0016). Addresses are the ones Tomcat reports: the peer, or the client a
 * configured trusted proxy forwarded ({@code server.tomcat.remoteip.internal-proxies}).
 *
 * @param enabled             every limit below on or off (the live-stream caps stay on)
 * @param purchasePerAddress  purchase attempts per client address, on each instance
 * @param purchasePerUser     purchase attempts per user: on each instance in memory, and across all
 *                            instances (through Redis) for the attempts that reach Redis
 * @param readsPerAddress     sale status reads, sale lists and stream openings per client address, on
 *                            each instance
 * @param streamsPerAddress   live sale streams one client address may hold open on an instance
 * @param streamsTotal        live sale streams an instance holds open in all (keep it well below
 *                            {@code server.tomcat.max-connections})
 * @param admin               admin-credential failures per address before a lockout, shared by all
 *                            instances through Redis
 */
@Validated
@ConfigurationProperties("flashsale.limits")
public record LimitsProperties(@DefaultValue("true") boolean enabled,
                               @DefaultValue("300/10s") Rate purchasePerAddress,
                               @DefaultValue("10/10s") Rate purchasePerUser,
                               @DefaultValue("600/10s") Rate readsPerAddress,
                               @DefaultValue("32") int streamsPerAddress,
                               @DefaultValue("6000") int streamsTotal,
                               @DefaultValue AdminLockoutRule admin) {

    public LimitsProperties {
        if (streamsPerAddress < 1 || streamsTotal < 1) {
            throw new IllegalArgumentException("flashsale.limits.streams-per-address and streams-total must be at least 1");
        }
    }

    /**
     * A token bucket written {@code capacity/period}, e.g. {@code 300/10s}: up to {@code capacity}
     * at once, refilled at {@code capacity} per {@code period}.
     */
    public record Rate(int capacity, Duration period) {
        public Rate {
            if (capacity < 1 || period == null || period.toMillis() < 1) {
                throw new IllegalArgumentException("a rate needs a capacity of at least 1 and a positive period");
            }
        }

        /** Binds {@code 300/10s} (the period in Spring's duration format). */
        public static Rate valueOf(String text) {
            int slash = text.indexOf('/');
            if (slash < 1) {
                throw new IllegalArgumentException("a rate is written capacity/period, e.g. 300/10s: " + text);
            }
            return new Rate(Integer.parseInt(text.substring(0, slash).strip()),
                    DurationStyle.detectAndParse(text.substring(slash + 1).strip()));
        }

        @Override
        public String toString() {
            return capacity + "/" + period;
        }
    }

    /**
     * @param maxFailures failures an address may make within {@code window} before it is locked out
     * @param window      the window in which failures are counted (the budget refills over it)
     * @param lockout     the first lockout; each further one of the same address within a day doubles
     * @param maxLockout  the longest lockout
     */
    public record AdminLockoutRule(@DefaultValue("10") int maxFailures,
                                   @DefaultValue("15m") Duration window,
                                   @DefaultValue("1m") Duration lockout,
                                   @DefaultValue("1h") Duration maxLockout) {
        public AdminLockoutRule {
            if (maxFailures < 1 || window.toMillis() < 1 || lockout.toMillis() < 1 || maxLockout.compareTo(lockout) < 0) {
                throw new IllegalArgumentException("flashsale.limits.admin: max-failures ≥ 1, positive window and "
                        + "lockout, max-lockout ≥ lockout");
            }
        }
    }
}
