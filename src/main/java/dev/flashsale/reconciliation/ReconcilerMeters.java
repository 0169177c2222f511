package dev.flashsale.reconciliation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The reconciler's meters, registered at start-up so that a rate over them (an alert on repairs)
 * reads 0, not "no data", until the first repair.
 */
final class ReconcilerMeters {

    /** The kinds of repair a pass reports (ReconcileReport.Repair), as the {@code kind} label. */
    static final List<String> REPAIR_KINDS = List.of("released", "confirmed", "buyers_restored", "units_reclaimed",
            "units_freed", "stock_corrected", "rebuilt", "sold_counted", "holds_settled");

    private final Map<String, Counter> repairs;
    private final Counter fullChecks;
    private final Timer scheduledPass;
    private final Timer fullPass;

    ReconcilerMeters(MeterRegistry meters) {
        this.repairs = REPAIR_KINDS.stream().collect(Collectors.toUnmodifiableMap(Function.identity(),
                kind -> Counter.builder("flashsale.reconciler.repairs")
                        .description("repairs the reconciler made, by kind: released/confirmed settle reservations left "
                                + "pending; buyers_restored, units_reclaimed, units_freed, stock_corrected and rebuilt "
                                + "mean Redis lost writes; sold_counted means an outbox event was lost; holds_settled "
                                + "settles payment holds an instance did not (it died, or lost Redis, after the order's move)")
                        .tag("kind", kind)
                        .register(meters)));
        this.fullChecks = Counter.builder("flashsale.reconciler.full.checks")
                .description("products the reconciler compared order by order (the costly comparison)")
                .register(meters);
        this.scheduledPass = pass(meters, false);
        this.fullPass = pass(meters, true);
    }

    private static Timer pass(MeterRegistry meters, boolean full) {
        return Timer.builder("flashsale.reconciler.pass")
                .description("reconciler passes this instance ran (full: an operator's run-now pass, comparing "
                        + "every product order by order; false: a scheduled pass)")
                .tag("full", Boolean.toString(full))
                .register(meters);
    }

    void passTook(boolean full, Duration took, int fullCheckCount) {
        (full ? fullPass : scheduledPass).record(took);
        fullChecks.increment(fullCheckCount);
    }

    void repaired(String kind, int n) {
        if (n > 0) {
            repairs.get(kind).increment(n);
        }
    }
}
