package dev.flashsale.limits;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Live streams held open on this instance, per client address and in all. A stream holds a
 * connection for as long as the browser keeps the page open, so both are capped: one address
 * cannot take the connections everyone else needs, nor can all addresses together.
 *
 * <p>Contract: every {@link #claim} that returns empty is matched by exactly one {@link #release}
 * of the same address.
 */
public class StreamSlots {

    /** Why a stream was refused: this address holds its share (429), or the instance is full (503). */
    public enum Refusal { PER_ADDRESS, TOTAL }

    private final int perAddress;
    private final int total;
    private final ConcurrentHashMap<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final Refusals refusals;

    StreamSlots(LimitsProperties properties, MeterRegistry meters) {
        this.perAddress = properties.streamsPerAddress();
        this.total = properties.streamsTotal();
        this.refusals = new Refusals(meters, "streams-total", "streams-per-address");
    }

    public Optional<Refusal> claim(String address) {
        if (open.incrementAndGet() > total) {
            open.decrementAndGet();
            refusals.counter("streams-total").increment();
            return Optional.of(Refusal.TOTAL);
        }
        AtomicBoolean granted = new AtomicBoolean();
        byAddress.compute(address, (a, held) -> {
            AtomicInteger count = held != null ? held : new AtomicInteger();
            if (count.get() < perAddress) {
                count.incrementAndGet();
                granted.set(true);
            }
            return count.get() == 0 ? null : count;
        });
        if (!granted.get()) {
            open.decrementAndGet();
            refusals.counter("streams-per-address").increment();
            return Optional.of(Refusal.PER_ADDRESS);
        }
        return Optional.empty();
    }

    public void release(String address) {
        byAddress.computeIfPresent(address, (a, held) -> held.decrementAndGet() <= 0 ? null : held);
        open.decrementAndGet();
    }

    /** Streams open on this instance now. */
    public int open() {
        return open.get();
    }
}
