package dev.flashsale.runtime;

import dev.flashsale.StoreFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.task.SimpleAsyncTaskSchedulerCustomizer;
import org.springframework.boot.task.ThreadPoolTaskSchedulerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ErrorHandler;

/**
 * How a scheduled job's failure is logged (the reconciler, the outbox's retries, the metrics'
 * refresh). A job that finds PostgreSQL or Redis unreachable fails on every pass until it is back;
 * that is the outage, already reported by the failing requests and the circuit breakers, so each
 * pass says it in one WARN line. Any other failure is a bug: ERROR with its stack trace.
 */
@Configuration(proxyBeanMethods = false)
class ScheduledTaskFailures {

    private static final Logger log = LoggerFactory.getLogger(ScheduledTaskFailures.class);

    static final ErrorHandler HANDLER = ScheduledTaskFailures::failed;

    @Bean
    SimpleAsyncTaskSchedulerCustomizer scheduledTaskFailuresOnVirtualThreads() {
        return scheduler -> scheduler.setErrorHandler(HANDLER);
    }

    @Bean
    ThreadPoolTaskSchedulerCustomizer scheduledTaskFailuresOnPlatformThreads() {
        return scheduler -> scheduler.setErrorHandler(HANDLER);
    }

    static void failed(Throwable failure) {
        Throwable unreachable = StoreFailures.unreachable(failure);
        if (unreachable != null) {
            log.warn("scheduled job skipped a pass, a store is unreachable: {}", unreachable.toString());
        } else {
            log.error("scheduled job failed", failure);
        }
    }
}
