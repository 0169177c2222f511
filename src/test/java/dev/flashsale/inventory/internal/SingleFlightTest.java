package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class SingleFlightTest {

    private static final int CALLERS = 50;

    private final SingleFlight<String, Integer> flights = new SingleFlight<>();

    @Test
    void callsThatComeWhileTheWorkRunsWaitForItAndShareItsValue() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Integer> first = pool.submit(() -> flights.run("sale", () -> {
                runs.incrementAndGet();
                waitFor(release);
                return 42;
            }));
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
            AtomicInteger started = new AtomicInteger();
            List<Future<Integer>> others = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                others.add(pool.submit(() -> {
                    started.incrementAndGet();
                    return flights.run("sale", () -> runs.incrementAndGet() + 1_000);
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == CALLERS);
            // none answers before the work is over (a call that ran the work itself, wrongly, would)
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10))
                    .until(() -> others.stream().noneMatch(Future::isDone) && runs.get() == 1);

            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(42);
            for (Future<Integer> other : others) {
                assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo(42);
            }
        }
        assertThat(runs).as("the work ran once").hasValue(1);
    }

    @Test
    void theWorksFailureIsThrownToEveryCallThatWaitedForIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Integer> first = pool.submit(() -> flights.run("sale", () -> {
                runs.incrementAndGet();
                waitFor(release);
                throw new IllegalStateException("PostgreSQL went away");
            }));
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
            AtomicInteger waiters = new AtomicInteger();
            Future<Integer> waiting = pool.submit(() -> {
                waiters.incrementAndGet();
                return flights.run("sale", () -> runs.incrementAndGet());
            });
            // it has come, and waits for the work rather than running it
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10))
                    .until(() -> waiters.get() == 1 && !waiting.isDone() && runs.get() == 1);
            release.countDown();
            for (Future<Integer> call : List.of(first, waiting)) {
                assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
                        .cause().isInstanceOf(IllegalStateException.class).hasMessage("PostgreSQL went away");
            }
        }
        assertThat(runs).hasValue(1);
    }

    @Test
    void onceTheWorkIsOverTheNextCallRunsItAgain() {
        AtomicInteger runs = new AtomicInteger();
        assertThat(flights.run("sale", runs::incrementAndGet)).isEqualTo(1);
        assertThat(flights.run("sale", runs::incrementAndGet)).isEqualTo(2);
        assertThatThrownBy(() -> flights.run("sale", () -> {
            throw new IllegalStateException("once");
        })).hasMessage("once");
        assertThat(flights.run("sale", runs::incrementAndGet)).as("not the failure of the one before").isEqualTo(3);
    }

    @Test
    void workForOtherKeysRunsAlongside() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Integer> held = pool.submit(() -> flights.run("one sale", () -> {
                waitFor(release);
                return 1;
            }));
            assertThat(pool.submit(() -> flights.run("another sale", () -> 2)).get(10, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(held).isNotDone();
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
