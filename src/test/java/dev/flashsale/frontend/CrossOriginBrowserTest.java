package dev.flashsale.frontend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.sun.net.httpserver.HttpServer;
import dev.flashsale.support.Browsers;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.web.WebProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A front end served by another origin (a second HTTP server on another port) calls the API: the
 * listed origin reads a sale and buys with the trusted header; an unlisted one (the same server
 * reached as {@code localhost}) gets no CORS headers, so its page cannot read anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestPropertySource(properties = "spring.datasource.hikari.maximum-pool-size=5")
class CrossOriginBrowserTest extends IntegrationTest {

    /** A tiny front end of its own: reads the sale's status, buys, buys again; writes what it could read. */
    private static final String CLIENT = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another front end</title></head><body>
            <p id="status">…</p><p id="purchase">…</p><p id="again">…</p>
            <script>
            const q = new URLSearchParams(location.search);
            const api = q.get('api'), product = q.get('product'), user = q.get('user');
            const show = (id, text) => { document.getElementById(id).textContent = text; };
            const buy = () => fetch(api + '/api/v1/sale/purchase', {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-User-Id': user}, body: JSON.stringify({productId: product})});
            (async () => {
              try {
                const status = await (await fetch(api + '/api/v1/sale/status/' + product)).json();
                show('status', status.data.status + ' ' + status.data.availableQuantity);
              } catch (e) { show('status', 'blocked'); }
              try {
                const first = await buy();
                show('purchase', first.status + ' ' + (await first.json()).data.orderId);
              } catch (e) { show('purchase', 'blocked'); }
              try {
                const again = await buy();
                show('again', again.status + ' ' + (await again.json()).code + (again.headers.get('Date') ? ' dated' : ''));
              } catch (e) { show('again', 'blocked'); }
            })();
            </script></body></html>""";

    private static final HttpServer ELSEWHERE = serve(CLIENT);

    private Playwright playwright;
    private Browser browser;
    private BrowserContext context;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpServer serve(String page) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                byte[] body = page.getBytes(StandardCharsets.UTF_8);
                int status = exchange.getRequestURI().getPath().equals("/client.html") ? 200 : 404;
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(status, status == 200 ? body.length : -1);
                if (status == 200) {
                    exchange.getResponseBody().write(body);
                }
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String listedOrigin() {
        return "http://127.0.0.1:" + ELSEWHERE.getAddress().getPort();
    }

    /** The same server under another name: another origin, not listed. */
    private static String unlistedOrigin() {
        return "http://localhost:" + ELSEWHERE.getAddress().getPort();
    }

    @DynamicPropertySource
    static void allowTheOtherFrontEnd(DynamicPropertyRegistry registry) {
        registry.add("flashsale.web.cors.allowed-origins", CrossOriginBrowserTest::listedOrigin);
    }

    @BeforeAll
    void startBrowser() {
        Browsers.chromium();
        playwright = Browsers.playwright();
        browser = Browsers.launch(playwright);
    }

    @AfterAll
    void stop() {
        if (playwright != null) {
            playwright.close();
        }
        ELSEWHERE.stop(0);
    }

    @AfterEach
    void closeContext() {
        if (context != null) {
            context.close();
        }
    }

    private Page open(String origin, UUID product, String user) {
        context = browser.newContext();
        context.setDefaultTimeout(15_000);
        Page page = context.newPage();
        page.navigate(origin + "/client.html?api=http://127.0.0.1:" + port + "&product=" + product + "&user=" + user);
        return page;
    }

    @Test
    void aPageFromAListedOriginReadsASaleAndBuys() {
        UUID product = liveProduct(3, 1);
        Page page = open(listedOrigin(), product, "cross-" + UUID.randomUUID().toString().substring(0, 8));

        PlaywrightAssertions.assertThat(page.locator("#status")).hasText("active 3");
        PlaywrightAssertions.assertThat(page.locator("#purchase")).hasText(
                java.util.regex.Pattern.compile("^201 [0-9a-f-]{36}$"));
        PlaywrightAssertions.assertThat(page.locator("#again")).hasText("409 ALREADY_PURCHASED dated");
        String orderId = page.locator("#purchase").textContent().substring(4);
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE id = ?::uuid AND status = 'completed'")
                .param(orderId).query(Long.class).single()).isEqualTo(1);
        assertInvariantsHold(product);
    }

    @Test
    void aPageFromAnUnlistedOriginReadsNothingAndBuysNothing() {
        UUID product = liveProduct(3, 1);
        Page page = open(unlistedOrigin(), product, "unlisted-" + UUID.randomUUID().toString().substring(0, 8));

        PlaywrightAssertions.assertThat(page.locator("#status")).hasText("blocked");
        PlaywrightAssertions.assertThat(page.locator("#purchase")).hasText("blocked");
        // the JSON purchase needs a preflight, which failed: the request itself never left the browser
        assertThat(completedOrders(product)).isZero();
    }

    @Test
    void aPreflightIsAnsweredForAListedOriginWithoutCredentials() throws Exception {
        HttpResponse<String> preflight = preflight(listedOrigin(), "/api/v1/sale/purchase", "content-type,x-user-id");
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(listedOrigin());
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase())
                .contains("content-type").contains("x-user-id");
        assertThat(preflight.headers().firstValue("Access-Control-Max-Age")).hasValue("1800");
        // no cookies across origins unless configured
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();

        // an admin path: answered before any credential is asked for (a preflight carries none)
        HttpResponse<String> admin = preflight(listedOrigin(), "/api/v1/admin/products", "x-admin-key");
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.headers().firstValue("Access-Control-Allow-Origin")).hasValue(listedOrigin());
    }

    @Test
    void anUnlistedOriginGetsNoCorsHeaders() throws Exception {
        UUID product = liveProduct(3, 1);
        HttpResponse<String> read = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/v1/sale/status/" + product))
                .header("Origin", unlistedOrigin()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).as("answered, but not for that page to read").isEqualTo(200);
        assertThat(read.headers().map().keySet()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));

        HttpResponse<String> preflight = preflight(unlistedOrigin(), "/api/v1/sale/purchase", "content-type");
        assertThat(preflight.headers().map().keySet()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));

        HttpResponse<String> listed = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/v1/sale/status/" + product))
                .header("Origin", listedOrigin()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(listed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(listedOrigin());
        assertThat(listed.headers().firstValue("Access-Control-Expose-Headers").orElse("")).contains("Retry-After");
    }

    @Test
    void cookiesCannotBeAllowedForEveryOrigin() {
        assertThatThrownBy(() -> new WebProperties.Cors(List.of("https://shop.example", "*"), true, Duration.ofMinutes(5)))
                .hasMessageContaining("allow-credentials");
        assertThat(new WebProperties.Cors(List.of("*"), false, Duration.ofMinutes(5)).allowedOrigins()).containsExactly("*");
    }

    private HttpResponse<String> preflight(String origin, String path, String headers) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", headers)
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
