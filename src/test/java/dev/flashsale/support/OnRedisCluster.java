package dev.flashsale.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.test.context.ActiveProfiles;

/**
 * The test class runs against the run's Redis Cluster ({@link RedisCluster}) instead of a single
 * Redis: the application connects with {@code spring.data.redis.cluster.nodes}, as an operator
 * would configure it. A drill that touches Redis runs on both by a subclass that only carries this
 * annotation; all such classes share one application context (per base class).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag("redis-cluster")
@ExtendWith(RedisCluster.Extension.class)
@ActiveProfiles("cluster")
public @interface OnRedisCluster {
}
