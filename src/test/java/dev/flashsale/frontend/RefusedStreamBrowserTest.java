package dev.flashsale.frontend;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.flashsale.limits.StreamSlots;
import dev.flashsale.support.Browsers;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.support.LimitsOn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.beans.factory.annotation.Autowired;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A sale page whose live stream the server refuses still follows the sale, by polling, and says so. */
@LimitsOn
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefusedStreamBrowserTest extends IntegrationTest {

    @Autowired
    StreamSlots slots;

    private Playwright playwright;
    private Browser browser;

    @BeforeAll
    void startBrowser() {
        Browsers.chromium();
        playwright = Browsers.playwright();
        browser = Browsers.launch(playwright);
    }

    @AfterAll
    void stopBrowser() {
        if (playwright != null) {
            playwright.close();
        }
    }

    @Test
    void whenItsAddressHoldsAllTheStreamsItMayTheSalePageSaysSoAndFollowsTheStockByPolling() throws Exception {
        UUID product = liveProduct(10, 1);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 32; i++) { // the browser's address, 127.0.0.1, has every stream it may have
                held.add(stream(product));
            }
            BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                    .setBaseURL("http://127.0.0.1:" + port).setViewportSize(1280, 860));
            context.addInitScript(Browsers.axe());
            Page page = context.newPage();
            page.navigate("/sale.html?id=" + product);

            assertThat(page.locator("#live-note")).containsText("refreshes every few seconds",
                    new LocatorAssertions.ContainsTextOptions().setTimeout(10_000));
            assertThat(page.locator("#stock")).containsText("10 of 10 left");
            assertThat(buy(product, "poller-" + UUID.randomUUID()).status()).isEqualTo(201);
            assertThat(page.locator("#stock")).containsText(Pattern.compile("9 of 10 left"),
                    new LocatorAssertions.ContainsTextOptions().setTimeout(10_000));
            Browsers.screenshot(page, "sale-polling");
            context.close();
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> slots.open() == 0); // for the next test
        }
    }

    private Socket stream(UUID product) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET /api/v1/sale/stream/" + product + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        byte[] status = in.readNBytes(12);
        assertThat(new String(status, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
        return socket;
    }
}
