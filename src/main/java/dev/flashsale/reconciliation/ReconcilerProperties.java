package dev.flashsale.reconciliation;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param enabled            whether the scheduled pass runs (the admin endpoint works regardless)
 * @param interval           time between two scheduled passes
 * @param staleReservationAfter a reservation pending longer than this belongs to a process that died
 *                           (or lost PostgreSQL) between reserve and commit; it is settled. Keep it
 *                           well above the connection wait plus the order write timeout (10 s + 5 s)
 * @param lookback           products whose sale ended longer ago than this are no longer looked at
 * @param lockAtMostFor      how long a pass may hold the cluster-wide lock if its instance dies
 * @param fullCheckEvery     a scheduled pass compares every committed order of a product with Redis
 *                           and the ledger at most this often, and otherwise only when the product
 *                           is flagged or the quick check disagrees (see {@link Reconciler})
 */
@Validated
@ConfigurationProperties("flashsale.reconciler")
public record ReconcilerProperties(
        @DefaultValue("true") boolean enabled,
        @NotNull @DefaultValue("30s") Duration interval,
        @NotNull @DefaultValue("60s") Duration staleReservationAfter,
        @NotNull @DefaultValue("24h") Duration lookback,
        @NotNull @DefaultValue("5m") Duration lockAtMostFor,
        @NotNull @DefaultValue("5m") Duration fullCheckEvery) {
}
