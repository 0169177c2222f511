package dev.flashsale.reconciliation;

import dev.flashsale.support.OnRedisCluster;

/**
 * {@link CrashDrillTest} on a Redis Cluster: the killed process's reservations are settled on the
 * sale's master. Another instance carries on instead of a restarted one: the test's own
 * application, on the same cluster and database all along (as a second instance behind the load
 * balancer would), which saves a second process start.
 */
@OnRedisCluster
class CrashDrillOnClusterTest extends CrashDrillTest {

    @Override
    protected Survivor afterTheCrash(String[] args, int port) {
        return new Survivor(api, () -> { });
    }
}
