package dev.flashsale.reconciliation;

import dev.flashsale.support.OnRedisCluster;

/** {@link RedisOutageDrillTest} on a Redis Cluster: every node goes away, and the cluster comes back empty. */
@OnRedisCluster
class RedisOutageDrillOnClusterTest extends RedisOutageDrillTest {
}
