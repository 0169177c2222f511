package dev.flashsale.runtime;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.flashsale.FlashSaleApplication;
import dev.flashsale.support.Api;
import dev.flashsale.support.AppProcess;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The README's run command on a machine with nothing configured: local mode, started as its own
 * process with no Spring settings in its environment, twice on the same data folder.
 */
class LocalModeTest {

    private static final Pattern DEMO = Pattern.compile("Demo sale +http://localhost:(\\d+)/sale\\.html\\?id=([0-9a-f-]{36})");

    @TempDir
    Path dataDir;

    @Test
    void startsWithEmbeddedServersSeedsADemoSaleAndKeepsItsDataAcrossRestarts() throws Exception {
        Started first = start();
        try {
            Api api = new Api(first.port());
            // the banner's link is the sale's page, not its JSON
            Api.Reply page = api.get("/sale.html?id=" + first.demo());
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.text()).contains("<script type=\"module\" src=\"/js/sale.js\">");
            Api.Reply status = api.get("/api/v1/sale/status/" + first.demo());
            assertThat(status.status()).isEqualTo(200);
            assertThat(status.data().path("status").asString()).isEqualTo("active");
            assertThat(api.post("/api/v1/sale/purchase", "{\"productId\":\"" + first.demo() + "\"}",
                    Api.user("alice")).status()).isEqualTo(201);
            // name-only sign-in is for this machine only: nothing answers on another address
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.2", first.port()), 2_000);
                }
            }).isInstanceOf(ConnectException.class);
        } finally {
            Duration stopping = first.stop();
            assertThat(stopping).as("time to stop").isLessThan(Duration.ofSeconds(5));
        }
        assertThat(first.output()).as("a clean stop: the embedded servers stop after the application")
                .doesNotContain("Failed to validate connection")
                .doesNotContain("destroy method failed")
                .doesNotContain(" ERROR ");

        Started second = start();
        try {
            Api api = new Api(second.port());
            assertThat(second.demo()).as("the same demo sale, not a new one").isEqualTo(first.demo());
            Api.Reply mine = api.get("/api/v1/sale/user/status?productId=" + second.demo(), Api.user("alice"));
            assertThat(mine.data().path("hasPurchased").asBoolean()).isTrue();
            // Redis started empty and was rebuilt from PostgreSQL: alice is still a buyer
            assertThat(api.post("/api/v1/sale/purchase", "{\"productId\":\"" + second.demo() + "\"}",
                    Api.user("alice")).code()).isEqualTo("ALREADY_PURCHASED");
            assertThat(api.get("/api/v1/sale/status/" + second.demo()).data().path("availableQuantity").asInt())
                    .isEqualTo(199);
        } finally {
            second.stop();
        }
    }

    private record Started(Process process, int port, String demo, Path log) {

        /** SIGTERM (as Ctrl-C): answers how long it took to stop. */
        Duration stop() throws InterruptedException {
            Instant asked = Instant.now();
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Duration took = Duration.between(asked, Instant.now());
            AppProcess.show("local mode (process " + process.pid() + ")", log);
            return took;
        }

        String output() throws IOException {
            return Files.readString(log);
        }
    }

    private Started start() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Files.createTempFile("local-mode", ".log");
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                FlashSaleApplication.class.getName(), "--spring.profiles.active=local", "--server.port=0",
                "--flashsale.local.data-dir=" + dataDir))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("SPRING_") || name.startsWith("FLASHSALE_"));
        Process process = builder.start();
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> DEMO.matcher(Files.readString(log)).find() || !process.isAlive());
        } catch (ConditionTimeoutException slow) {
            // reported below, with the output
        }
        Matcher m = DEMO.matcher(Files.readString(log));
        if (m.find()) {
            return new Started(process, Integer.parseInt(m.group(1)), m.group(2), log);
        }
        process.destroyForcibly();
        throw new IllegalStateException("local mode did not start; its output:\n" + Files.readString(log));
    }
}
