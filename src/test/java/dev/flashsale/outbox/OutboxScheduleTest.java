package dev.flashsale.outbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.modulith.events.EventPublication;

import static org.assertj.core.api.Assertions.assertThat;

/** When a delivery is tried again: pure arithmetic, tested alone. */
class OutboxScheduleTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private final Outbox outbox = new Outbox(null, null,
            new OutboxProperties(2, 100, 8, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(5),
                    Duration.ofMinutes(2)),
            Clock.systemUTC(), null, null, null);

    @ParameterizedTest(name = "attempt {0}: due after {1} s")
    @CsvSource({"1, 5", "2, 10", "3, 20", "4, 40", "7, 320", "8, 600", "20, 600"})
    void aFailedDeliveryWaitsTwiceAsLongAfterEachAttemptUpToTheCap(int attempts, long waitSeconds) {
        EventPublication failed = publication(EventPublication.Status.FAILED, attempts, null);

        assertThat(outbox.isDue(failed, T0.plusSeconds(waitSeconds - 1))).isFalse();
        assertThat(outbox.isDue(failed, T0.plusSeconds(waitSeconds))).isTrue();
    }

    private static EventPublication publication(EventPublication.Status status, int attempts, Instant resubmitted) {
        return new EventPublication() {
            @Override
            public UUID getIdentifier() {
                return UUID.randomUUID();
            }

            @Override
            public Object getEvent() {
                return "event";
            }

            @Override
            public Instant getPublicationDate() {
                return T0;
            }

            @Override
            public Optional<Instant> getCompletionDate() {
                return Optional.empty();
            }

            @Override
            public Status getStatus() {
                return status;
            }

            @Override
            public Instant getLastResubmissionDate() {
                return resubmitted;
            }

            @Override
            public int getCompletionAttempts() {
                return attempts;
            }
        };
    }
}
