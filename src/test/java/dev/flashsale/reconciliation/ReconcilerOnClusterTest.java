package dev.flashsale.reconciliation;

import dev.flashsale.support.OnRedisCluster;

/** {@link ReconcilerTest} on a Redis Cluster: the reconciler's reads and repairs reach each sale's master. */
@OnRedisCluster
class ReconcilerOnClusterTest extends ReconcilerTest {
}
