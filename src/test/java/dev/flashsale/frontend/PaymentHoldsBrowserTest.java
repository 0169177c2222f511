package dev.flashsale.frontend;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import dev.flashsale.support.Api;
import dev.flashsale.support.Browsers;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A sale with a payment window in a real browser (Debian's Chromium through Playwright), against
 * the whole application on real PostgreSQL and Redis: the sale page's countdown to the deadline,
 * its Pay and Cancel buttons, the hold expiring with the unit back on sale, "My orders", and the
 * admin console's payment window field and holds view. Screenshots land in target/screenshots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PaymentHoldsBrowserTest extends IntegrationTest {

    private static final LocatorAssertions.HasAttributeOptions SOON =
            new LocatorAssertions.HasAttributeOptions().setTimeout(15_000);
    /** Long enough for a payment window of the test to run out, with room for a busy machine. */
    private static final LocatorAssertions.HasTextOptions AFTER_THE_WINDOW =
            new LocatorAssertions.HasTextOptions().setTimeout(40_000);

    private static final Page.GetByLabelOptions EXACT = new Page.GetByLabelOptions().setExact(true);

    private Playwright playwright;
    private Browser browser;
    private final List<BrowserContext> contexts = new java.util.ArrayList<>();
    /** What went wrong in the pages: script errors, console errors, assets that failed to load. */
    private final List<String> pageProblems = new CopyOnWriteArrayList<>();

    @BeforeAll
    void startBrowser() {
        Browsers.chromium(); // skips or fails, as the environment says, before Playwright starts
        playwright = Browsers.playwright();
        browser = Browsers.launch(playwright);
    }

    @AfterAll
    void stopBrowser() {
        if (playwright != null) {
            playwright.close();
        }
    }

    @BeforeEach
    void noContextsYet() {
        contexts.clear();
        pageProblems.clear();
    }

    @AfterEach
    void closeContexts() {
        contexts.forEach(BrowserContext::close);
        // no script error, no Content-Security-Policy violation, no missing asset on any page
        assertThat(pageProblems).isEmpty();
    }

    /** A fresh browser profile (its own cookies), like a second person at another computer. */
    private Page newVisitor() {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                .setBaseURL("http://127.0.0.1:" + port).setViewportSize(1280, 860).setTimezoneId("Europe/Berlin"));
        context.setDefaultTimeout(15_000);
        context.addInitScript(Browsers.axe());
        contexts.add(context);
        return watched(context.newPage());
    }

    /** A page whose script errors, console errors and failed assets are noted. */
    private Page watched(Page page) {
        page.onPageError(error -> pageProblems.add(page.url() + ": " + error));
        page.onConsoleMessage(message -> {
            // an API answer of 4xx is logged by the browser too; those are expected and checked by the tests
            if ("error".equals(message.type()) && !message.text().startsWith("Failed to load resource")) {
                pageProblems.add(page.url() + ": " + message.text());
            }
        });
        page.onResponse(response -> {
            if (response.status() >= 400 && !response.url().contains("/api/")) {
                pageProblems.add(response.url() + " answered " + response.status());
            }
        });
        return page;
    }

    private void signIn(Page page, String name, String next) {
        page.navigate("/signin.html?next=" + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8));
        page.getByLabel("Your name", EXACT).fill(name);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in").setExact(true)).click();
        page.waitForURL("**" + next);
        PlaywrightAssertions.assertThat(page.locator("#who-name")).hasText("Signed in as " + name);
    }

    private static void signInAsAdmin(Page page) {
        page.navigate("/signin.html?admin&next=/admin.html");
        page.getByLabel("Admin key", EXACT).fill(Api.ADMIN_KEY);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in as admin")).click();
        page.waitForURL("**/admin.html");
        PlaywrightAssertions.assertThat(page.locator("#console")).isVisible();
    }

    private static String user(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Locator button(Page page, String name) {
        return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name));
    }

    private static Locator stockBar(Page page) {
        return page.getByRole(AriaRole.PROGRESSBAR);
    }

    private String orderStatus(String orderId) {
        return jdbc.sql("SELECT status FROM orders WHERE id = ?::uuid").param(orderId).query(String.class).single();
    }

    /** A shopper signed in on the sale page, its Buy button ready. */
    private Page shopperOnTheSale(String name, UUID product) {
        Page page = newVisitor();
        signIn(page, name, "/sale.html?id=" + product);
        PlaywrightAssertions.assertThat(page.locator("#buy")).hasAttribute("data-state", "buy");
        return page;
    }

    /** Buys on the sale page and waits for the order awaiting payment; returns its number. */
    private static String buyAndAwaitPayment(Page page) {
        page.locator("#buy").click();
        PlaywrightAssertions.assertThat(page.locator("#buy")).hasAttribute("data-state", "awaiting", SOON);
        PlaywrightAssertions.assertThat(page.locator("#pay-within")).hasText(Pattern.compile("^Pay within \\d+:\\d\\d$"));
        return page.locator("#order-id").textContent();
    }

    @Test
    void oneBuyerPaysInTimeOthersCancelOrLetTheHoldExpireAndTheConsoleCountsThem() {
        // a sale of five with a minute to pay
        UUID product = product(5, 1, Instant.now().minus(Duration.ofMinutes(1)), Instant.now().plus(Duration.ofHours(1)),
                Map.of("holdFor", "PT1M"));
        String name = jdbc.sql("SELECT name FROM products WHERE id = ?").param(product).query(String.class).single();

        // the first buyer sees the countdown and the Pay button, and pays
        String alice = user("alice");
        Page first = shopperOnTheSale(alice, product);
        PlaywrightAssertions.assertThat(first.locator("#window-note")).hasText(
                "Once bought, you have 1 minute to pay; unpaid, the unit goes back on sale.");
        String paid = buyAndAwaitPayment(first);
        PlaywrightAssertions.assertThat(first.locator("#pay-within")).hasText(Pattern.compile("^Pay within (1:00|0:[0-5]\\d)$"));
        PlaywrightAssertions.assertThat(first.locator("#outcome")).containsText("Reserved for you");
        Locator pay = button(first, "Pay $19.99");
        PlaywrightAssertions.assertThat(pay).isEnabled();
        PlaywrightAssertions.assertThat(button(first, "Cancel order")).isEnabled();
        PlaywrightAssertions.assertThat(stockBar(first)).hasAttribute("aria-valuenow", "4", SOON);
        assertThat(orderStatus(paid)).isEqualTo("awaiting_payment");
        Browsers.screenshot(first, "hold-awaiting-payment");

        // the page opened again shows the order as it stands, still counting down
        first.reload();
        PlaywrightAssertions.assertThat(first.locator("#buy")).hasAttribute("data-state", "awaiting");
        PlaywrightAssertions.assertThat(first.locator("#order-id")).hasText(paid);
        PlaywrightAssertions.assertThat(first.locator("#pay-within")).hasText(Pattern.compile("^Pay within (1:00|0:[0-5]\\d)$"));

        // in another tab, the shop's card says it is reserved, and "My orders" shows its deadline
        Page orders = watched(first.context().newPage());
        orders.navigate("/");
        PlaywrightAssertions.assertThat(orders.locator("#live [data-product='" + product + "'] a.more"))
                .hasText(Pattern.compile("^Reserved · pay to confirm"));
        orders.navigate("/orders.html");
        Locator row = orders.locator("#orders-table tr[data-order='" + paid + "']");
        PlaywrightAssertions.assertThat(row.locator("td[data-label='Status']"))
                .containsText(Pattern.compile("Awaiting payment · pay by \\d{1,2}:\\d{2}:\\d{2}\\b.* · Pay now"));
        Browsers.screenshot(orders, "hold-orders-awaiting");

        pay.click();
        PlaywrightAssertions.assertThat(first.locator("#buy")).hasAttribute("data-state", "bought", SOON);
        PlaywrightAssertions.assertThat(first.locator("#outcome")).containsText("Paid: order confirmed.");
        PlaywrightAssertions.assertThat(first.locator("#hold")).isHidden();
        assertThat(orderStatus(paid)).isEqualTo("completed");
        orders.reload();
        PlaywrightAssertions.assertThat(row.locator("td[data-label='Status']")).hasText("Confirmed");

        // a second buyer clicks as soon as Buy shows, while the page still asks for her orders: the
        // click is answered; then she changes her mind, and the unit is back on sale at once
        String dora = user("dora");
        Page cancelling = newVisitor();
        List<Route> heldLookups = new CopyOnWriteArrayList<>();
        cancelling.route("**/api/v1/sale/user/status**", heldLookups::add);
        signIn(cancelling, dora, "/sale.html?id=" + product);
        PlaywrightAssertions.assertThat(cancelling.locator("#buy")).hasAttribute("data-state", "buy");
        cancelling.waitForCondition(() -> !heldLookups.isEmpty());
        String cancelled = buyAndAwaitPayment(cancelling);
        cancelling.unroute("**/api/v1/sale/user/status**");
        heldLookups.forEach(Route::resume);
        PlaywrightAssertions.assertThat(cancelling.locator("#order-id")).hasText(cancelled);
        PlaywrightAssertions.assertThat(stockBar(cancelling)).hasAttribute("aria-valuenow", "3", SOON);
        button(cancelling, "Cancel order").click();
        PlaywrightAssertions.assertThat(cancelling.locator("#outcome"))
                .hasText("Order cancelled: the unit went back on sale.");
        PlaywrightAssertions.assertThat(stockBar(cancelling)).hasAttribute("aria-valuenow", "4", SOON);
        PlaywrightAssertions.assertThat(cancelling.locator("#buy")).hasAttribute("data-state", "buy");
        assertThat(orderStatus(cancelled)).isEqualTo("cancelled");

        // two more buyers wait on the sale page while the admin shortens the window in the console
        String bert = user("bert");
        String cleo = user("cleo");
        Page unpaid = shopperOnTheSale(bert, product);
        Page late = shopperOnTheSale(cleo, product);
        Page admin = newVisitor();
        signInAsAdmin(admin);
        button(admin, "Edit " + name).click();
        Locator window = admin.getByLabel("Payment window (optional)", EXACT);
        PlaywrightAssertions.assertThat(window).hasValue("PT1M");
        window.fill("soon");
        button(admin, "Save changes").click();
        PlaywrightAssertions.assertThat(admin.locator("#f-holdFor-error")).containsText("ISO-8601");
        window.fill("PT10S");
        button(admin, "Save changes").click();
        PlaywrightAssertions.assertThat(admin.locator("#form-message")).containsText("Saved “" + name + "”");
        Locator saleRow = admin.locator("#sales-table tr[data-product='" + product + "']");
        PlaywrightAssertions.assertThat(saleRow.locator("[data-col='holdFor']")).hasText("10 seconds");
        assertThat(jdbc.sql("SELECT hold_seconds FROM products WHERE id = ?").param(product).query(Integer.class).single())
                .isEqualTo(10);

        // in this browser the shop has no demo payments: the page says who takes payment, and offers no Pay button
        unpaid.route("**/demo-payment", route -> route.fulfill(new Route.FulfillOptions().setStatus(404)
                .setContentType("application/problem+json")
                .setBody("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"success\":false,"
                        + "\"code\":\"NOT_FOUND\",\"error\":\"Demo payments are off (local mode only)\","
                        + "\"message\":\"Demo payments are off (local mode only)\","
                        + "\"detail\":\"Demo payments are off (local mode only)\"}")));
        // in that one, the payment is held on its way until the order has expired: it arrives late
        List<Route> heldPayments = new CopyOnWriteArrayList<>();
        late.route("**/demo-payment", heldPayments::add);

        String expired = buyAndAwaitPayment(unpaid);
        String paidLate = buyAndAwaitPayment(late);
        PlaywrightAssertions.assertThat(stockBar(unpaid)).hasAttribute("aria-valuenow", "2", SOON);

        button(unpaid, "Pay $19.99").click();
        PlaywrightAssertions.assertThat(unpaid.locator("#outcome"))
                .hasText("Payment is taken by the shop's payment provider, not on this page.");
        PlaywrightAssertions.assertThat(unpaid.locator("#pay")).isHidden();
        PlaywrightAssertions.assertThat(unpaid.locator("#pay-elsewhere")).isVisible();
        PlaywrightAssertions.assertThat(button(unpaid, "Cancel order")).isEnabled();

        button(late, "Pay $19.99").click();
        PlaywrightAssertions.assertThat(late.locator("#pay")).hasText("Paying…");
        late.waitForCondition(() -> heldPayments.size() == 1);

        // the window runs out: the page says so, and the stock bar rises as the units go back on sale
        PlaywrightAssertions.assertThat(unpaid.locator("#outcome")).hasText(
                "The payment window ended: your hold expired and the unit went back on sale.", AFTER_THE_WINDOW);
        PlaywrightAssertions.assertThat(unpaid.locator("#hold")).isHidden();
        PlaywrightAssertions.assertThat(unpaid.locator("#buy")).hasAttribute("data-state", "buy");
        assertThat(orderStatus(expired)).isEqualTo("expired");
        await().atMost(Duration.ofSeconds(30)).until(() -> "expired".equals(orderStatus(paidLate)));
        PlaywrightAssertions.assertThat(stockBar(unpaid)).hasAttribute("aria-valuenow", "4", SOON);
        Browsers.screenshot(unpaid, "hold-expired");

        // the held payment arrives after the deadline: not paid, a refund to make
        heldPayments.getFirst().resume();
        PlaywrightAssertions.assertThat(late.locator("#outcome")).hasText("The payment window ended: your hold expired "
                + "and the unit went back on sale. Your payment will be refunded.");
        PlaywrightAssertions.assertThat(stockBar(late)).hasAttribute("aria-valuenow", "4", SOON);
        assertThat(orderStatus(paidLate)).isEqualTo("expired");

        // "My orders" says how each ended
        unpaid.navigate("/orders.html");
        PlaywrightAssertions.assertThat(unpaid.locator("#orders-table tr[data-order='" + expired + "'] td[data-label='Status']"))
                .hasText("Expired: not paid in time");
        cancelling.navigate("/orders.html");
        PlaywrightAssertions.assertThat(
                cancelling.locator("#orders-table tr[data-order='" + cancelled + "'] td[data-label='Status']"))
                .hasText("Cancelled");
        Browsers.screenshot(cancelling, "hold-orders-cancelled");

        // the console's holds view: none outstanding, three ended without a payment, one refund due
        admin.locator("#holds-sale").selectOption(product.toString());
        PlaywrightAssertions.assertThat(admin.locator("#holds-outstanding")).hasText("0");
        PlaywrightAssertions.assertThat(admin.locator("#holds-due-soon")).hasText("0");
        PlaywrightAssertions.assertThat(admin.locator("#holds-ended")).hasText("3");
        PlaywrightAssertions.assertThat(admin.locator("#holds-refunds-due")).hasText("1");
        Locator refund = admin.locator("#refunds-table tbody tr");
        PlaywrightAssertions.assertThat(refund).hasCount(1);
        PlaywrightAssertions.assertThat(refund).hasAttribute("data-order", paidLate);
        PlaywrightAssertions.assertThat(refund.locator("td[data-label='Reason']")).hasText("Paid after the deadline");
        PlaywrightAssertions.assertThat(refund.locator("td[data-label='Buyer']")).hasText(cleo);
        PlaywrightAssertions.assertThat(refund.locator("td[data-label='Sale']")).hasText(name);
        PlaywrightAssertions.assertThat(refund.locator("td[data-label='Amount']")).hasText("$19.99");
        Browsers.screenshot(admin, "admin-payment-holds");
        // and of all sales, the newest refund first
        admin.locator("#holds-sale").selectOption("");
        PlaywrightAssertions.assertThat(admin.locator("#refunds-table tbody tr").first()).hasAttribute("data-order", paidLate);

        assertThat(completedOrders(product)).isEqualTo(1);
        assertInvariantsHold(product);
    }
}
