package dev.flashsale.inventory;

import dev.flashsale.support.OnRedisCluster;

/** {@link RedisFlushTest} on a Redis Cluster: a sale's state lost from its master is rebuilt there from PostgreSQL. */
@OnRedisCluster
class RedisFlushOnClusterTest extends RedisFlushTest {
}
