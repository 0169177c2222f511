package dev.flashsale.inventory;

import java.util.List;
import java.util.UUID;

import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.SaleShards.SaleShard;
import dev.flashsale.inventory.internal.SaleKeys;
import dev.flashsale.support.OnRedisCluster;
import dev.flashsale.support.RedisCluster;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SplitSaleTest} on a Redis Cluster: each shard's keys share one slot, so every script runs
 * whole on one master, and a loan is one script on the lender's master after another on the
 * buyer's home master. And the point of the split: on the cluster of three masters that
 * {@code redis-cli --cluster create} makes, a sale split three ways has a shard on each master.
 */
@OnRedisCluster
class SplitSaleOnClusterTest extends SplitSaleTest {

    @Test
    void aSaleSplitThreeWaysHasAShardOnEachOfTheThreeMasters() {
        UUID id = splitProduct(30, 3);
        Product product = catalog.load(id).orElseThrow();
        RedisCluster cluster = RedisCluster.current();

        List<SaleShard> shards = SaleShards.of(product).all();
        List<Integer> masters = shards.stream().map(s -> cluster.masterOf(SaleKeys.of(s).stock())).toList();

        assertThat(masters).as("the masters of shards 0, 1, 2").doesNotHaveDuplicates().hasSize(3);
        // and each master holds its shard's state itself (asked directly, without following redirects)
        for (SaleShard shard : shards) {
            assertThat(cluster.cli(masters.get(shard.index()), "get", SaleKeys.of(shard).stock()).trim())
                    .as("shard %d's stock on its master", shard.index()).isEqualTo("10");
        }
    }
}
