package dev.flashsale.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.flashsale.FlashSaleApplication;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The application as a process of its own (the test's class path, a fresh JVM), with its output
 * in a file: for what only a real process shows — local mode from nothing, a SIGKILL mid-burst.
 * Spring settings from the test's environment are not passed on: the arguments, and the
 * environment variables a test gives, say everything. Closed, it hands its output to the test's
 * own (which the build shows only if the test fails).
 */
public final class AppProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private AppProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Settings for a drill that kills a process and carries on with another: the outbox takes over
     * the killed one's deliveries within seconds (instead of minutes), and only warnings are logged.
     */
    public static final List<String> QUICK_OUTBOX_TAKEOVER = List.of(
            "--spring.modulith.events.staleness.published=5s",
            "--spring.modulith.events.staleness.processing=5s",
            "--spring.modulith.events.staleness.check-intervall=1s",
            "--flashsale.outbox.retry-interval=500ms",
            "--flashsale.outbox.first-backoff=200ms",
            "--flashsale.outbox.stuck-after=5s",
            "--logging.level.root=WARN");

    /** A loopback port nobody listens on now, for an instance to take. */
    public static int freePort() {
        return ServerProcess.freePort();
    }

    public static AppProcess start(String... args) {
        return start(Map.of(), args);
    }

    /** Started with these environment variables, as an operator would configure it. */
    public static AppProcess start(Map<String, String> environment, String... args) {
        return start(List.of(), environment, args);
    }

    /** Started with these JVM options too (a small heap, say, where several instances share the machine). */
    public static AppProcess start(List<String> jvmOptions, Map<String, String> environment, String... args) {
        try {
            Path log = Files.createTempFile("flash-sale-app", ".log");
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
            command.addAll(jvmOptions);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), FlashSaleApplication.class.getName()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("SPRING_") || name.startsWith("FLASHSALE_"));
            builder.environment().putAll(environment);
            // A production instance rehearses a sale on itself before it reports ready (seconds of
            // the JIT compiler's work); the drills start many and do not need it. RehearsalTest does.
            builder.environment().putIfAbsent("FLASHSALE_REHEARSAL_ENABLED", "false");
            return new AppProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the output has a line matching the pattern (or the process dies). */
    public Matcher await(Pattern pattern, Duration timeout) {
        Matcher[] found = {null};
        boolean got = waitFor(timeout, () -> {
            Matcher m = pattern.matcher(output());
            if (m.find()) {
                found[0] = m;
                return true;
            }
            return false;
        });
        if (!got) {
            process.destroyForcibly();
            throw new IllegalStateException("the application did not get to " + pattern + "; its output:\n" + output());
        }
        return found[0];
    }

    /** Waits until the application answers its health check on the given port. */
    public void awaitHealthy(int port, Duration timeout) {
        Api api = new Api(port);
        boolean healthy = waitFor(timeout, () -> {
            try {
                return api.get("/actuator/health").status() == 200;
            } catch (IllegalStateException notListeningYet) {
                return false;
            }
        });
        if (!healthy) {
            process.destroyForcibly();
            throw new IllegalStateException("the application did not become healthy; its output:\n" + output());
        }
    }

    /** Polls the condition until it holds (true), the process dies or the time is up (false). */
    private boolean waitFor(Duration timeout, Callable<Boolean> condition) {
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                    .until(() -> condition.call() || !process.isAlive());
            return condition.call();
        } catch (ConditionTimeoutException e) {
            return false;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the process to end by itself, and answers its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the application did not stop by itself; its output:\n" + output());
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no graceful anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL if it does not stop in time. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
        }
    }

    /** Stops it (if it still runs), copies its output to the test's and deletes its file. */
    @Override
    public void close() throws InterruptedException {
        stop();
        show("the application process " + process.pid(), log);
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a process's output (its file) to System.out, between marker lines. */
    public static void show(String what, Path output) {
        String text;
        try {
            text = Files.readString(output);
        } catch (IOException e) {
            text = "(no output: " + e + ")\n";
        }
        System.out.print("---------- output of " + what + " ----------\n" + text
                + (text.endsWith("\n") ? "" : "\n") + "---------- end of the output of " + what + " ----------\n");
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
