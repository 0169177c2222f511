package dev.flashsale.reconciliation;

import dev.flashsale.support.OnRedisCluster;

/** {@link AuditTest} on a Redis Cluster: the audit reads each sale's state from its master. */
@OnRedisCluster
class AuditOnClusterTest extends AuditTest {
}
