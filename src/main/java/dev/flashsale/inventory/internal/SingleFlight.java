package dev.flashsale.inventory.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One piece of work per key at a time, its outcome shared: a call for a key whose work is running
 * waits for that work and returns its value, or throws its failure, instead of doing it again.
 * Once the work is over, the next call for the key runs it anew.
 *
 * @param <K> what the work is for
 * @param <V> what it returns
 */
final class SingleFlight<K, V> {

    private final ConcurrentHashMap<K, CompletableFuture<V>> running = new ConcurrentHashMap<>();

    /** Runs the work for the key, or waits for the one running for it; either way, its outcome. */
    V run(K key, Supplier<V> work) {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> other = running.putIfAbsent(key, mine);
        if (other != null) {
            return outcomeOf(other);
        }
        try {
            V value = work.get();
            mine.complete(value);
            return value;
        } catch (RuntimeException | Error failed) {
            mine.completeExceptionally(failed);
            throw failed;
        } finally {
            running.remove(key, mine);
        }
    }

    /** The other call's value, or its failure as it was thrown there. */
    private static <V> V outcomeOf(CompletableFuture<V> other) {
        try {
            return other.join();
        } catch (CompletionException failed) {
            if (failed.getCause() instanceof RuntimeException e) {
                throw e;
            }
            if (failed.getCause() instanceof Error e) {
                throw e;
            }
            throw failed;
        }
    }
}
