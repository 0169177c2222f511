package dev.flashsale.frontend;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.LoadState;
import dev.flashsale.support.Api;
import dev.flashsale.support.Browsers;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** What a browser does with what the service sends: where sign-in leads, and the API docs under their policy. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityBrowserTest extends IntegrationTest {

    private static final Page.GetByLabelOptions EXACT = new Page.GetByLabelOptions().setExact(true);

    private Playwright playwright;
    private Browser browser;
    private BrowserContext context;
    private final List<String> pageProblems = new CopyOnWriteArrayList<>();

    @BeforeAll
    void startBrowser() {
        Browsers.chromium();
        playwright = Browsers.playwright();
        browser = Browsers.launch(playwright);
        PlaywrightAssertions.setDefaultAssertionTimeout(15_000);
    }

    @AfterAll
    void stopBrowser() {
        if (playwright != null) {
            playwright.close();
        }
    }

    @AfterEach
    void closeContext() {
        if (context != null) {
            context.close();
        }
        pageProblems.clear();
    }

    private Page newVisitor() {
        context = browser.newContext(new Browser.NewContextOptions().setBaseURL("http://127.0.0.1:" + port));
        context.setDefaultTimeout(15_000);
        // should the page try to leave for another site, it arrives at a stand-in, not the network
        context.route(url -> !url.startsWith("http://127.0.0.1:" + port), route -> route.fulfill(
                new com.microsoft.playwright.Route.FulfillOptions().setStatus(200).setContentType("text/html")
                        .setBody("<title>elsewhere</title>")));
        Page page = context.newPage();
        page.onPageError(error -> pageProblems.add(page.url() + ": " + error));
        page.onConsoleMessage(message -> {
            if ("error".equals(message.type())) {
                pageProblems.add(page.url() + ": " + message.text());
            }
        });
        return page;
    }

    @ParameterizedTest(name = "next={0}")
    @ValueSource(strings = {"/%5Cevil.example/x", "/%09/evil.example/x", "//evil.example/x", "https://evil.example/x",
            "javascript:alert(1)"})
    void signInNeverLeadsToAnotherSite(String next) {
        Page page = newVisitor();
        page.navigate("/signin.html?admin&next=" + next);
        page.getByLabel("Admin key", EXACT).fill(Api.ADMIN_KEY);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in as admin")).click();
        page.waitForURL(url -> !url.contains("/signin.html"));

        URI landed = URI.create(page.url());
        assertThat(landed.getHost()).as(page.url()).isEqualTo("127.0.0.1");
        assertThat(landed.getPort()).isEqualTo(port);
        assertThat(landed.getPath()).isEqualTo("/admin.html");
    }

    @Test
    void signInStillFollowsAPathOnThisSite() {
        Page page = newVisitor();
        page.navigate("/signin.html?next=" + java.net.URLEncoder.encode("/orders.html?x=1#top",
                java.nio.charset.StandardCharsets.UTF_8));
        page.getByLabel("Your name", EXACT).fill("returning-shopper");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in").setExact(true)).click();
        page.waitForURL(url -> !url.contains("/signin.html"));

        assertThat(page.url()).isEqualTo("http://127.0.0.1:" + port + "/orders.html?x=1#top");
    }

    @Test
    void theApiDocsWorkUnderTheirContentSecurityPolicy() {
        Page page = newVisitor();
        page.navigate("/api/docs");
        page.waitForLoadState(LoadState.NETWORKIDLE);
        assertThat(pageProblems).as("no script error, no Content-Security-Policy violation").isEmpty();
        PlaywrightAssertions.assertThat(page.locator(".swagger-ui .info .title")).containsText("Flash");
        PlaywrightAssertions.assertThat(page.locator(".opblock").first()).isVisible();
        page.locator(".opblock-summary").first().click(); // expands an operation: scripts and styles at work
        PlaywrightAssertions.assertThat(page.locator(".opblock-body").first()).isVisible();

        assertThat(page.evaluate("() => document.location.pathname").toString()).startsWith("/api/swagger-ui/");
        assertThat(pageProblems).as("no script error, no Content-Security-Policy violation").isEmpty();
    }
}
