package dev.flashsale.outbox;

import java.util.concurrent.ThreadPoolExecutor;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

@Configuration(proxyBeanMethods = false)
class OutboxConfiguration {

    /**
     * Runs the after-commit listeners (Spring's default {@code @Async} executor). Bounded, so a
     * burst of orders cannot take every database connection from the purchase path; a delivery
     * that finds the queue full is not lost, it stays in the outbox table until retried.
     */
    @Bean(name = "taskExecutor")
    ThreadPoolTaskExecutor taskExecutor(OutboxProperties properties) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setThreadNamePrefix("outbox-");
        executor.setCorePoolSize(properties.listenerThreads());
        executor.setMaxPoolSize(properties.listenerThreads());
        executor.setQueueCapacity(properties.queueCapacity());
        executor.setRejectedExecutionHandler(new ThreadPoolExecutor.DiscardPolicy());
        executor.setWaitForTasksToCompleteOnShutdown(true);
        executor.setAwaitTerminationSeconds(10);
        return executor;
    }
}
