package dev.flashsale.reconciliation;

import dev.flashsale.support.OnRedisCluster;

/** {@link CrashDrillTest} on a Redis Cluster: the killed process's reservations are settled on the sale's master. */
@OnRedisCluster
class CrashDrillOnClusterTest extends CrashDrillTest {
}
