package dev.flashsale.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.web.WebProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter.DataWithMediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Live sale streams (server-sent events). However many browsers watch a sale, the sale is looked
 * at once per interval (the same read as the status endpoint, from this instance's short-lived
 * view of the stock) and sent only when it changed, or as a heartbeat. The event is written to
 * JSON once and the same bytes go to every watcher. Each watcher gets the latest state: a slow one
 * skips states rather than queueing them, and never holds up the others.
 *
 * <p>A browser that went away is noticed only when a write to it fails, so every
 * {@code stream-probe} each stream with nothing else to send gets an SSE comment (two bytes that
 * browsers ignore): a departed client's stream, and its slot ({@code StreamSlots}), are freed
 * within two probes.
 */
@Component
class SaleStreams implements SmartLifecycle, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(SaleStreams.class);

    /** What a watcher receives: the sale as the status endpoint shows it, and the server's clock. */
    record SaleEvent(SaleView sale, Instant serverTime) {
    }

    /** What a probe sends: an SSE comment. */
    private static final Set<DataWithMediaType> PROBE = SseEmitter.event().comment("").build();
    /** How every sale event begins: its name, then its data (one line of JSON). */
    private static final byte[] EVENT = "event:sale\ndata:".getBytes(StandardCharsets.US_ASCII);

    private final Catalog catalog;
    private final SaleViews views;
    private final Clock clock;
    private final WebProperties web;
    private final JsonMapper json;
    private final ConcurrentHashMap<UUID, Channel> channels = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("sale-streams").daemon().factory());
    private ScheduledFuture<?> ticking;
    private volatile long probedAt = System.nanoTime();
    private final ExecutorService senders = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("sale-stream-send-", 0).factory());

    SaleStreams(Catalog catalog, SaleViews views, Clock clock, WebProperties web, JsonMapper json, MeterRegistry meters) {
        this.catalog = catalog;
        this.views = views;
        this.clock = clock;
        this.web = web;
        this.json = json;
        Gauge.builder("flashsale.stream.watchers", channels,
                        c -> c.values().stream().mapToInt(ch -> ch.watchers.size()).sum())
                .description("browsers watching a sale's live stream on this instance").register(meters);
    }

    /** Starts looking at watched sales (with the application, and again after a stop). */
    @Override
    public synchronized void start() {
        if (ticking == null) {
            long interval = web.streamInterval().toMillis();
            ticking = ticker.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Ends every stream, first of all when the application stops (the highest phase): a graceful
     * shutdown would otherwise wait its whole timeout for them. Browsers reconnect by themselves,
     * to another instance in a cluster.
     */
    @Override
    public synchronized void stop() {
        if (ticking != null) {
            ticking.cancel(false);
            ticking = null;
        }
        channels.values().forEach(ch -> ch.watchers.forEach(w -> w.emitter.complete()));
        channels.clear();
    }

    @Override
    public synchronized boolean isRunning() {
        return ticking != null;
    }

    /** A new stream of the product's sale; {@code onLeave} runs once, when it ends for any reason. */
    SseEmitter watch(Product product, Runnable onLeave) {
        SseEmitter emitter = new SseEmitter(web.streamTimeout().toMillis());
        SaleView sale;
        try {
            sale = views.liveOrDegraded(product);
            // Sent before the emitter is returned, so Spring holds it and writes it, with the
            // response's headers, on the request's own thread. Were the first write made by a sender
            // thread, it could commit the response while the request's filters still set headers on
            // it, and Tomcat's headers are not safe for two threads at once.
            emitter.send(frame(sale));
        } catch (IOException notSent) {
            onLeave.run();
            throw new UncheckedIOException(notSent);
        } catch (RuntimeException notSent) {
            onLeave.run();
            throw notSent;
        }
        Channel channel = channels.computeIfAbsent(product.id(), id -> new Channel());
        Watcher watcher = new Watcher(emitter, channel, onLeave);
        channel.watchers.add(watcher);
        emitter.onCompletion(watcher::leave);
        emitter.onTimeout(emitter::complete);
        emitter.onError(error -> watcher.leave());
        if (channel.last == null) { // the next tick sends only what changed since
            channel.last = sale;
            channel.sentAt = System.nanoTime();
        }
        return emitter;
    }

    /** The sale as one SSE event named {@code sale}, its data written to JSON once for every watcher. */
    private Set<DataWithMediaType> frame(SaleView sale) {
        byte[] data = json.writeValueAsBytes(new SaleEvent(sale, clock.instant()));
        byte[] frame = new byte[EVENT.length + data.length + 2];
        System.arraycopy(EVENT, 0, frame, 0, EVENT.length);
        System.arraycopy(data, 0, frame, EVENT.length, data.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        return Set.of(new DataWithMediaType(frame, MediaType.TEXT_EVENT_STREAM));
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            boolean probe = now - probedAt > web.streamProbe().toNanos();
            if (probe) {
                probedAt = now;
            }
            channels.forEach((productId, channel) -> {
                if (channel.watchers.isEmpty()) {
                    channels.remove(productId, channel);
                    return;
                }
                try {
                    Product product = catalog.find(productId).orElse(null);
                    if (product == null) {
                        channel.watchers.forEach(w -> w.emitter.complete());
                        return;
                    }
                    SaleView sale = views.liveOrDegraded(product);
                    boolean heartbeat = now - channel.sentAt > web.streamHeartbeat().toNanos();
                    if (heartbeat || !sale.equals(channel.last)) {
                        channel.last = sale;
                        channel.sentAt = now;
                        Set<DataWithMediaType> event = frame(sale);
                        channel.watchers.forEach(w -> w.offer(event));
                    } else if (probe) {
                        channel.watchers.forEach(Watcher::probe);
                    }
                } catch (RuntimeException e) {
                    log.warn("Live stream of sale {} not updated this time: {}", productId, e.toString());
                }
            });
        } catch (RuntimeException e) {
            log.warn("Live sale streams not updated this time: {}", e.toString());
        }
    }

    @Override
    public void destroy() {
        stop();
        ticker.shutdownNow();
        senders.shutdownNow();
    }

    private static final class Channel {
        final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
        volatile SaleView last;
        volatile long sentAt;
    }

    /** One browser: at most one send in flight, and only the newest state waits behind it. */
    private final class Watcher {
        final SseEmitter emitter;
        final Channel channel;
        final Runnable onLeave;
        final AtomicReference<Set<DataWithMediaType>> next = new AtomicReference<>();
        final AtomicBoolean sending = new AtomicBoolean();

        Watcher(SseEmitter emitter, Channel channel, Runnable onLeave) {
            this.emitter = emitter;
            this.channel = channel;
            this.onLeave = onLeave;
        }

        void offer(Set<DataWithMediaType> event) {
            next.set(event);
            send();
        }

        /** A probe, unless something is waiting to be sent anyway. */
        void probe() {
            if (next.compareAndSet(null, PROBE)) {
                send();
            }
        }

        private void send() {
            if (sending.compareAndSet(false, true)) {
                try {
                    senders.execute(this::drain);
                } catch (RuntimeException rejected) { // shutting down
                    sending.set(false);
                }
            }
        }

        private void drain() {
            do {
                Set<DataWithMediaType> event;
                while ((event = next.getAndSet(null)) != null) {
                    try {
                        emitter.send(event);
                    } catch (IOException | IllegalStateException gone) {
                        leave();
                        try {
                            emitter.completeWithError(gone);
                        } catch (IllegalStateException alreadyEnded) {
                            // the container ended the request itself when the client left
                        }
                        return;
                    }
                }
                sending.set(false);
            } while (next.get() != null && sending.compareAndSet(false, true));
        }

        void leave() {
            if (channel.watchers.remove(this)) {
                onLeave.run();
            }
        }
    }
}
