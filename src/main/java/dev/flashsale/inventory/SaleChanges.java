package dev.flashsale.inventory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import dev.flashsale.catalog.Catalog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Cross-instance invalidation: a sale changed through one instance (its window, limit, controls or
 * stock) is announced on one Redis channel, and every instance subscribed to it forgets the stock it
 * last saw and reloads the definition it cached. Without it, another instance would go on with what
 * it remembered until its memory expired (200 ms for the stock, 2 s for the definition, longer while
 * a reload is under way): a sale ended early would still show as open there (Redis, which judges
 * the window, refuses its buyers), a raised stock would still be refused as sold out.
 *
 * <p>Plain PUBLISH/SUBSCRIBE on one channel, which a Redis Cluster relays to the subscribers on
 * every node. Nothing on the purchase path publishes or waits for a message: only admin changes do.
 * Messages published while an instance's subscription is down are lost to it; its memory's expiry
 * is the bound then.
 */
@Configuration(proxyBeanMethods = false)
class SaleChanges implements MessageListener {

    /** Carries the id of a product that changed. Under the {@code fs:} prefix, as the ACL expects. */
    static final String CHANNEL = "fs:sale-changes";

    private static final Logger log = LoggerFactory.getLogger(SaleChanges.class);

    private final Inventory inventory;
    private final Catalog catalog;

    SaleChanges(Inventory inventory, Catalog catalog) {
        this.inventory = inventory;
        this.catalog = catalog;
    }

    @Override
    public void onMessage(Message message, byte[] pattern) {
        UUID productId;
        try {
            productId = UUID.fromString(new String(message.getBody(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException notAnId) {
            log.warn("ignored a message on {} that is not a product id", CHANNEL);
            return;
        }
        inventory.forgetLocally(productId);
        catalog.refresh(productId);
    }

    /**
     * The subscription, on a connection of its own; after losing Redis it subscribes again every
     * second until Redis answers.
     */
    @Bean
    RedisMessageListenerContainer saleChangesSubscription(RedisConnectionFactory redis) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(redis);
        container.setRecoveryBackoff(new FixedBackOff(Duration.ofSeconds(1).toMillis(), FixedBackOff.UNLIMITED_ATTEMPTS));
        container.addMessageListener(this, new ChannelTopic(CHANNEL));
        return container;
    }
}
