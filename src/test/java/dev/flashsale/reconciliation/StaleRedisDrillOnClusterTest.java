package dev.flashsale.reconciliation;

import dev.flashsale.support.OnRedisCluster;

/** {@link StaleRedisDrillTest} on a Redis Cluster: every node restarts from a snapshot taken earlier in the sale. */
@OnRedisCluster
class StaleRedisDrillOnClusterTest extends StaleRedisDrillTest {
}
