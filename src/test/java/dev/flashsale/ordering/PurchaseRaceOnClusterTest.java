package dev.flashsale.ordering;

import dev.flashsale.support.OnRedisCluster;

/** {@link PurchaseRaceTest} on a Redis Cluster: the sale's keys share one slot, so every script runs whole on one master. */
@OnRedisCluster
class PurchaseRaceOnClusterTest extends PurchaseRaceTest {
}
