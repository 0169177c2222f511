package dev.flashsale.frontend;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
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

/**
 * The web front end in a real browser (Debian's Chromium through Playwright), against the whole
 * application on real PostgreSQL and Redis. Screenshots land in target/screenshots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShopBrowserTest extends IntegrationTest {

    private static final LocatorAssertions.HasAttributeOptions SOON =
            new LocatorAssertions.HasAttributeOptions().setTimeout(15_000);

    private static final Page.GetByLabelOptions EXACT = new Page.GetByLabelOptions().setExact(true);

    private Playwright playwright;
    private Browser browser;
    private final List<BrowserContext> contexts = new java.util.ArrayList<>();
    /** What went wrong in the pages: script errors, console errors, assets that failed to load. */
    private final List<String> pageProblems = new java.util.concurrent.CopyOnWriteArrayList<>();

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
        return newVisitor(1280, 860);
    }

    /** A visitor on a screen of that size, in Berlin (the admin form names the browser's time zone). */
    private Page newVisitor(int width, int height) {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                .setBaseURL("http://127.0.0.1:" + port).setViewportSize(width, height).setTimezoneId("Europe/Berlin"));
        context.setDefaultTimeout(15_000);
        context.addInitScript(Browsers.axe());
        contexts.add(context);
        Page page = context.newPage();
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

    @Test
    void aShopperWatchesTheCountdownOpenTheSaleBuysAndSeesTheOrder() {
        Page page = newVisitor();
        String shopper = user("alice");
        Browsers.screenshot(signInPage(page), "signin");
        signIn(page, shopper, "/");

        UUID product = product(5, 1, Instant.now().plus(Duration.ofSeconds(4)), Instant.now().plus(Duration.ofHours(1)));
        page.navigate("/sale.html?id=" + product);
        Locator buy = page.locator("#buy");
        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "upcoming");
        PlaywrightAssertions.assertThat(buy).isDisabled();
        PlaywrightAssertions.assertThat(page.locator("#countdown")).containsText("Starts in");
        Browsers.screenshot(page, "sale-upcoming");

        // the countdown opens the sale: no reload, no click
        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "buy", SOON);
        PlaywrightAssertions.assertThat(buy).isEnabled();
        PlaywrightAssertions.assertThat(page.locator("#countdown")).containsText("Ends in");
        Browsers.screenshot(page, "sale-open");

        buy.click();
        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "bought", SOON);
        String orderId = page.locator("#order-id").textContent();
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE id = ?::uuid AND user_id = ? AND status = 'completed'")
                .param(orderId).param(shopper).query(Long.class).single()).isEqualTo(1);
        // the stock bar follows the sale live (the stream), down to what Redis holds
        PlaywrightAssertions.assertThat(page.getByRole(AriaRole.PROGRESSBAR))
                .hasAttribute("aria-valuenow", "4", SOON);
        Browsers.screenshot(page, "sale-bought");
        page.setViewportSize(390, 844); // a phone
        Browsers.screenshot(page, "sale-bought-phone");
        page.setViewportSize(1280, 860);

        page.reload();
        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "bought", SOON);
        PlaywrightAssertions.assertThat(page.locator("#order-id")).hasText(orderId);

        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("My orders")).first().click();
        page.waitForURL("**/orders.html");
        PlaywrightAssertions.assertThat(page.locator("#orders-table")).containsText(orderId);
        Browsers.screenshot(page, "orders");
        assertInvariantsHold(product);
    }

    private static Page signInPage(Page page) {
        page.navigate("/signin.html");
        PlaywrightAssertions.assertThat(page.getByLabel("Your name", EXACT)).isVisible();
        return page;
    }

    /** The accessibility check used on every page finds what it should (it is not a check that cannot fail). */
    @Test
    void theAccessibilityCheckFindsAnUnlabelledFieldAndPoorContrast() {
        Page page = signInPage(newVisitor());
        assertThat(Browsers.accessibilityViolations(page)).isEmpty();
        page.evaluate("() => { document.querySelector('label[for=name]').remove();"
                + " document.querySelector('h1').style.color = '#cccccc'; }");
        assertThat(Browsers.accessibilityViolations(page))
                .anyMatch(v -> v.startsWith("label"))
                .anyMatch(v -> v.startsWith("color-contrast"));
    }

    /** The button follows the window to its end, live: a sale that ends while the page is open shows "Sale ended". */
    @Test
    void aSaleEndingWhileThePageIsOpenTurnsTheButtonToEnded() {
        Page page = newVisitor();
        UUID product = product(5, 1, Instant.now().minus(Duration.ofMinutes(5)), Instant.now().plus(Duration.ofSeconds(4)));
        signIn(page, user("dave"), "/sale.html?id=" + product);
        Locator buy = page.locator("#buy");
        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "buy");
        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "ended", SOON);
        PlaywrightAssertions.assertThat(buy).hasText("Sale ended");
        PlaywrightAssertions.assertThat(buy).isDisabled();
        PlaywrightAssertions.assertThat(page.locator("#countdown")).hasText("This sale has ended.");
        Browsers.screenshot(page, "sale-ended");
        // and the server agrees: an attempt now is refused as ended
        assertThat(buy(product, "late-dave").code()).isEqualTo("SALE_ENDED");
    }

    /** The pages' Content-Security-Policy refuses inline script, and the tests hear about it. */
    @Test
    void anInlineScriptIsRefusedAndReported() {
        Page page = signInPage(newVisitor());
        page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
                + " document.body.append(s); }");
        page.waitForCondition(() -> pageProblems.stream().anyMatch(p -> p.contains("Content Security Policy")));
        assertThat(page.evaluate("() => window.injected === undefined")).isEqualTo(true);
        assertThat(pageProblems).anyMatch(p -> p.contains("Content Security Policy"));
        pageProblems.clear(); // expected here
    }

    @Test
    void twoShoppersTryTheLastUnitAtTheSameMomentOneWinsTheOtherSeesSoldOut() {
        UUID product = liveProduct(1, 1);
        Page first = newVisitor();
        Page second = newVisitor();
        signIn(first, user("bob"), "/sale.html?id=" + product);
        signIn(second, user("carol"), "/sale.html?id=" + product);
        PlaywrightAssertions.assertThat(first.locator("#buy")).hasAttribute("data-state", "buy");
        PlaywrightAssertions.assertThat(second.locator("#buy")).hasAttribute("data-state", "buy");

        // both click at the same instant: each page schedules its click for the same wall-clock time
        long at = System.currentTimeMillis() + 700;
        for (Page page : List.of(first, second)) {
            page.evaluate("at => setTimeout(() => document.getElementById('buy').click(), Number(at) - Date.now())",
                    String.valueOf(at));
        }
        Pattern settled = Pattern.compile("bought|soldout");
        for (Page page : List.of(first, second)) {
            PlaywrightAssertions.assertThat(page.locator("#buy")).hasAttribute("data-state", settled, SOON);
        }
        List<String> states = List.of(first.locator("#buy").getAttribute("data-state"),
                second.locator("#buy").getAttribute("data-state"));
        assertThat(states).containsExactlyInAnyOrder("bought", "soldout");

        Page winner = states.get(0).equals("bought") ? first : second;
        Page loser = winner == first ? second : first;
        PlaywrightAssertions.assertThat(loser.locator("#buy")).hasText("Sold out");
        PlaywrightAssertions.assertThat(loser.locator("#outcome")).containsText("Sold out");
        PlaywrightAssertions.assertThat(winner.locator("#outcome")).containsText("Order confirmed");
        Browsers.screenshot(winner, "race-winner");
        Browsers.screenshot(loser, "race-sold-out");
        assertThat(completedOrders(product)).isEqualTo(1);
        assertInvariantsHold(product);
    }

    /** A gated sale: the page earns a purchase token (a small proof of work) before it buys, and says it is preparing. */
    @Test
    void aShopperBuysAGatedSaleAfterTheBrowserPreparesThePurchase() {
        Page page = newVisitor();
        String shopper = user("gina");
        UUID product = product(5, 1, Instant.now().minus(Duration.ofMinutes(1)), Instant.now().plus(Duration.ofHours(1)),
                Map.of("gated", true, "powDifficulty", 12));
        signIn(page, shopper, "/sale.html?id=" + product);
        Locator buy = page.locator("#buy");
        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "buy");
        page.evaluate("() => { const button = document.getElementById('buy'); window.buttonStates = [];"
                + " new MutationObserver(() => { if (window.buttonStates.at(-1) !== button.dataset.state)"
                + " window.buttonStates.push(button.dataset.state); })"
                + ".observe(button, {attributes: true, attributeFilter: ['data-state']}); }");

        buy.click();

        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "bought", SOON);
        assertThat(page.evaluate("() => window.buttonStates.join(' ')").toString()).endsWith("preparing processing bought");
        String orderId = page.locator("#order-id").textContent();
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE id = ?::uuid AND user_id = ? AND status = 'completed'")
                .param(orderId).param(shopper).query(Long.class).single()).isEqualTo(1);
        assertThat(redis.keys("fs:{" + product + "}:token:*")).as("the token is spent").isEmpty();
        Browsers.screenshot(page, "sale-gated-bought");
        assertInvariantsHold(product);
    }

    /** The console's bot controls: a cap and a gate set on creation, shown when editing, the cap cleared again. */
    @Test
    void anAdminGatesASaleAndCapsItsAddressesInTheConsole() {
        Page page = newVisitor();
        page.navigate("/signin.html?admin&next=/admin.html");
        page.getByLabel("Admin key", EXACT).fill(Api.ADMIN_KEY);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in as admin")).click();
        page.waitForURL("**/admin.html");

        String name = "Guarded drop " + UUID.randomUUID().toString().substring(0, 8);
        page.getByLabel("Name", EXACT).fill(name);
        page.getByLabel("Price (USD)", EXACT).fill("30.00");
        page.getByLabel("Stock", EXACT).fill("10");
        page.getByLabel("Per-address limit", EXACT).fill("0");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create sale")).click();
        PlaywrightAssertions.assertThat(page.locator("#f-perAddressLimit-error")).hasText("Must be at least 1.");

        page.getByLabel("Per-address limit", EXACT).fill("2");
        page.getByLabel("Purchase gate").check();
        page.getByLabel("Gate difficulty (bits)", EXACT).fill("8");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create sale")).click();
        PlaywrightAssertions.assertThat(page.locator("#form-message")).containsText("Created “" + name + "”");
        String controls = "SELECT coalesce(per_address_limit::text, 'none') || ' ' || purchase_gated || ' ' || pow_difficulty"
                + " FROM products WHERE name = ?";
        assertThat(jdbc.sql(controls).param(name).query(String.class).single()).isEqualTo("2 true 8");

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Edit " + name)).click();
        PlaywrightAssertions.assertThat(page.getByLabel("Per-address limit", EXACT)).hasValue("2");
        PlaywrightAssertions.assertThat(page.getByLabel("Purchase gate")).isChecked();
        page.getByLabel("Per-address limit", EXACT).fill("");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save changes")).click();
        PlaywrightAssertions.assertThat(page.locator("#form-message")).containsText("Saved “" + name + "”");
        assertThat(jdbc.sql(controls).param(name).query(String.class).single()).isEqualTo("none true 8");
        assertThat(Browsers.accessibilityViolations(page)).isEmpty();
    }

    /** A sale split into shards from the console: refused with a bot control, then created and shown split. */
    @Test
    void anAdminSplitsASaleIntoShardsInTheConsole() {
        Page page = newVisitor();
        signInAsAdmin(page);

        String name = "Split drop " + UUID.randomUUID().toString().substring(0, 8);
        page.getByLabel("Name", EXACT).fill(name);
        page.getByLabel("Price (USD)", EXACT).fill("30.00");
        page.getByLabel("Stock", EXACT).fill("300");
        page.getByLabel("Shards", EXACT).fill("3");
        page.getByLabel("Per-address limit", EXACT).fill("2");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create sale")).click();
        PlaywrightAssertions.assertThat(page.locator("#f-shards-error")).containsText("no perAddressLimit");

        page.getByLabel("Per-address limit", EXACT).fill("");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create sale")).click();
        PlaywrightAssertions.assertThat(page.locator("#form-message")).containsText("Created “" + name + "”");
        assertThat(jdbc.sql("SELECT shards FROM products WHERE name = ?").param(name).query(Integer.class).single())
                .isEqualTo(3);
        PlaywrightAssertions.assertThat(page.locator("tr[data-product]", new Page.LocatorOptions().setHasText(name)))
                .containsText("300 (3 shards)");
        assertThat(Browsers.accessibilityViolations(page)).isEmpty();
    }

    /** The audit log panel: newest first, who and from where, and older entries a page at a time. */
    @Test
    void anAdminReadsTheAuditLogAPageAtATime() {
        Api elsewhere = Api.from("127.0.0.26", port, Duration.ofSeconds(30));
        for (int i = 0; i < 30; i++) {
            assertThat(elsewhere.post("/api/v1/session/admin", Api.json(Map.of("key", "a-guess-" + i))).status())
                    .isEqualTo(401);
        }
        Page page = newVisitor();
        page.navigate("/signin.html?admin&next=/admin.html");
        page.getByLabel("Admin key", EXACT).fill(Api.ADMIN_KEY);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in as admin")).click();
        page.waitForURL("**/admin.html");

        Locator rows = page.locator("#audit-log-table tbody tr");
        PlaywrightAssertions.assertThat(rows).hasCount(25);
        PlaywrightAssertions.assertThat(rows.first()).containsText("admin.sign-in ok");
        PlaywrightAssertions.assertThat(rows.first()).containsText("admin:console");
        PlaywrightAssertions.assertThat(rows.nth(1)).containsText("admin.sign-in refused");
        PlaywrightAssertions.assertThat(rows.nth(1)).containsText("anonymous");
        PlaywrightAssertions.assertThat(rows.nth(1)).containsText("127.0.0.26");
        long newestShown = Long.parseLong(rows.first().getAttribute("data-entry"));

        // the next 25 (or as many as there are) below the first page
        int twoPages = (int) Math.min(50, jdbc.sql("SELECT count(*) FROM admin_audit_log WHERE id <= ?")
                .param(newestShown).query(Long.class).single());
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Older entries")).click();
        PlaywrightAssertions.assertThat(rows).hasCount(twoPages);
        List<Long> ids = ((List<?>) rows.evaluateAll("rows => rows.map(r => Number(r.dataset.entry))")).stream()
                .map(n -> ((Number) n).longValue()).toList();
        assertThat(ids).doesNotHaveDuplicates().isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(ids.getFirst()).isEqualTo(newestShown);
        PlaywrightAssertions.assertThat(rows.nth(30)).containsText("127.0.0.26");
        Browsers.screenshot(page, "admin-audit-log");
    }

    @Test
    void anAdminCreatesASaleWithFieldErrorsFirstAndSeesItInTheShop() {
        Page page = newVisitor();
        page.navigate("/signin.html?admin&next=/admin.html");
        page.getByLabel("Admin key", EXACT).fill(Api.ADMIN_KEY);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in as admin")).click();
        page.waitForURL("**/admin.html");
        PlaywrightAssertions.assertThat(page.locator("#console")).isVisible();

        // invalid: no name, no stock; the errors appear beside their fields
        page.getByLabel("Price (USD)", EXACT).fill("12.50");
        page.getByLabel("Stock", EXACT).fill("0");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create sale")).click();
        PlaywrightAssertions.assertThat(page.locator("#f-name-error")).hasText("Is required.");
        PlaywrightAssertions.assertThat(page.locator("#f-totalQuantity-error")).hasText("Must be at least 1.");
        PlaywrightAssertions.assertThat(page.getByLabel("Name", EXACT)).hasAttribute("aria-invalid", "true");
        Browsers.screenshot(page, "admin-validation");

        String name = "Browser drop " + UUID.randomUUID().toString().substring(0, 8);
        page.getByLabel("Name", EXACT).fill(name);
        page.getByLabel("Description", EXACT).fill("Created in a browser test.");
        page.getByLabel("Stock", EXACT).fill("25");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create sale")).click();
        PlaywrightAssertions.assertThat(page.locator("#form-message")).containsText("Created “" + name + "”");
        PlaywrightAssertions.assertThat(page.locator("#sales-table")).containsText(name);
        assertThat(jdbc.sql("SELECT count(*) FROM products WHERE name = ?").param(name).query(Long.class).single())
                .isEqualTo(1);

        // edit it: the price changes in the table
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Edit " + name)).click();
        PlaywrightAssertions.assertThat(page.getByLabel("Name", EXACT)).hasValue(name);
        page.getByLabel("Price (USD)", EXACT).fill("15.00");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save changes")).click();
        PlaywrightAssertions.assertThat(page.locator("#form-message")).containsText("Saved “" + name + "”");
        Locator row = page.locator("#sales-table").getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText(name));
        PlaywrightAssertions.assertThat(row).containsText("$15.00");
        // the audit log shows the edit first, by this session, from this browser, with the price before and after
        Locator newest = page.locator("#audit-log-table tbody tr").first();
        PlaywrightAssertions.assertThat(newest).containsText("product.edit");
        PlaywrightAssertions.assertThat(newest).containsText("admin:console");
        PlaywrightAssertions.assertThat(newest).containsText("127.0.0.1");
        PlaywrightAssertions.assertThat(newest).containsText(name);
        PlaywrightAssertions.assertThat(newest.locator("td.change")).hasText("price: $12.50 → $15.00");

        // watch it sell: the live panel follows the purchases
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Watch " + name)).click();
        UUID product = UUID.fromString(jdbc.sql("SELECT id::text FROM products WHERE name = ?").param(name)
                .query(String.class).single());
        for (int i = 0; i < 6; i++) {
            assertThat(buy(product, user("fan")).status()).isEqualTo(201);
            page.waitForTimeout(300);
        }
        PlaywrightAssertions.assertThat(page.locator("#chart-remaining")).hasText("19");
        PlaywrightAssertions.assertThat(page.locator("#chart canvas")).isVisible();

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Run audit")).click();
        PlaywrightAssertions.assertThat(page.locator("#audit-table").getByRole(AriaRole.ROW)
                .filter(new Locator.FilterOptions().setHasText(name))).containsText("all hold");
        page.waitForTimeout(1500); // let the live chart draw another point for the screenshot
        Browsers.screenshot(page, "admin");

        page.navigate("/");
        PlaywrightAssertions.assertThat(page.locator("#live")).containsText(name);
        Browsers.screenshot(page, "shop");
    }

    // ---- a phone (390 × 844) --------------------------------------------------------------------

    private static final int PHONE_WIDTH = 390;
    private static final int PHONE_HEIGHT = 844;

    /** The element's box, as the page lays it out before any scrolling. */
    private static com.microsoft.playwright.options.BoundingBox box(Locator locator) {
        locator.waitFor();
        return locator.boundingBox();
    }

    /** Within the phone's width, and the page itself no wider than the phone (nothing to scroll sideways to). */
    private static void withinTheWidth(Page page, Locator locator, String what) {
        var box = box(locator);
        assertThat(box.x).as(what + " starts on the screen").isGreaterThanOrEqualTo(0);
        assertThat(box.x + box.width).as(what + " ends on the screen").isLessThanOrEqualTo(PHONE_WIDTH);
        assertThat(((Number) page.evaluate("() => document.documentElement.scrollWidth")).intValue())
                .as("the page is no wider than the phone").isLessThanOrEqualTo(PHONE_WIDTH);
    }

    /** Not cut off by a scrolling container either: what is at the element's centre is the element. */
    private static void notClipped(Locator locator, String what) {
        assertThat(locator.evaluate("e => { const r = e.getBoundingClientRect();"
                + " const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
                + " return at !== null && (at === e || e.contains(at)); }"))
                .as(what + " is not hidden by its container").isEqualTo(true);
    }

    @Test
    void onAPhoneTheBuyButtonIsOnTheFirstScreenAndNoColumnIsCutOff() {
        UUID product = liveProduct(5, 1);
        String shopper = user("phone");
        Page page = newVisitor(PHONE_WIDTH, PHONE_HEIGHT);
        Browsers.screenshot(signInPage(page), "phone-signin");
        signIn(page, shopper, "/sale.html?id=" + product);

        Locator buy = page.locator("#buy");
        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "buy");
        var button = box(buy);
        assertThat(button.y + button.height).as("the buy button ends within the first screen").isLessThanOrEqualTo(PHONE_HEIGHT);
        withinTheWidth(page, buy, "the buy button");
        Browsers.screenshot(page, "phone-sale");
        buy.click();
        PlaywrightAssertions.assertThat(buy).hasAttribute("data-state", "bought", SOON);
        Browsers.screenshot(page, "phone-sale-bought");

        // the shop knows it is bought: no "Buy now" for it
        page.navigate("/");
        Locator card = page.locator("#live [data-product='" + product + "']");
        PlaywrightAssertions.assertThat(card.locator("a.more")).hasText(Pattern.compile("^Bought ✓"));
        withinTheWidth(page, card, "a sale's card");
        Browsers.screenshot(page, "phone-shop");

        page.navigate("/orders.html");
        Locator row = page.locator("#orders-table tbody tr").first();
        PlaywrightAssertions.assertThat(row).containsText("Confirmed");
        for (String column : List.of("Product", "Quantity", "Total", "Status", "Ordered", "Order number")) {
            Locator cell = row.locator("td[data-label='" + column + "']");
            withinTheWidth(page, cell, column);
            notClipped(cell, column);
        }
        Browsers.screenshot(page, "phone-orders");

        Page admin = newVisitor(PHONE_WIDTH, PHONE_HEIGHT);
        signInAsAdmin(admin);
        String name = jdbc.sql("SELECT name FROM products WHERE id = ?").param(product).query(String.class).single();
        for (String action : List.of("Edit ", "Watch ")) {
            Locator control = admin.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(action + name));
            withinTheWidth(admin, control, action.strip());
            control.scrollIntoViewIfNeeded();
            notClipped(control, action.strip());
        }
        Browsers.screenshot(admin, "phone-admin");
    }

    @Test
    void signInErrorsSayWhatTheApiSaidOnce() {
        Page page = signInPage(newVisitor());
        page.getByLabel("Your name", EXACT).fill("not a name!");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in").setExact(true)).click();
        PlaywrightAssertions.assertThat(page.locator("#name-error"))
                .hasText("Must be 1 to 128 characters of letters, digits and . _ @ + -.");

        page.navigate("/signin.html?admin");
        page.getByLabel("Admin key", EXACT).fill("not-the-admin-key-at-all");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in as admin")).click();
        PlaywrightAssertions.assertThat(page.locator("#key-error")).hasText("Invalid admin key.");
        Browsers.screenshot(page, "signin-wrong-key");
    }

    @Test
    void theAdminFormShowsFourBadFieldsInOneRoundAndNamesItsTimeZone() {
        Page page = newVisitor();
        signInAsAdmin(page);
        PlaywrightAssertions.assertThat(page.locator("#f-saleStartAt-hint")).hasText(
                Pattern.compile("^In your time zone: Europe/Berlin \\(UTC\\+0[12]:00\\)\\.$"));
        page.getByLabel("Name", EXACT).fill("   ");
        page.getByLabel("Price (USD)", EXACT).fill("cheap");
        page.getByLabel("Stock", EXACT).fill("0");
        page.getByLabel("Per-user limit", EXACT).fill("0");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create sale")).click();

        PlaywrightAssertions.assertThat(page.locator("#product-form [aria-invalid='true']")).hasCount(4);
        PlaywrightAssertions.assertThat(page.locator("#f-name-error")).hasText("Is required.");
        PlaywrightAssertions.assertThat(page.locator("#f-price-error")).not().isEmpty();
        PlaywrightAssertions.assertThat(page.locator("#f-totalQuantity-error")).hasText("Must be at least 1.");
        PlaywrightAssertions.assertThat(page.locator("#f-perUserLimit-error")).hasText("Must be at least 1.");
        Browsers.screenshot(page, "admin-four-errors");
        assertThat(page.evaluate("() => import('/js/format.js').then(f => [f.count(1, 'sale'), f.count(2, 'sale')].join())"))
                .isEqualTo("1 sale,2 sales");
    }

    @Test
    void theLiveChartDrawsAtOnceWithATimeOfDayAxis() {
        UUID product = liveProduct(10, 1);
        Page page = newVisitor();
        signInAsAdmin(page);
        String name = jdbc.sql("SELECT name FROM products WHERE id = ?").param(product).query(String.class).single();
        long opened = Instant.now().getEpochSecond();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Watch " + name)).click();

        Locator chart = page.locator("#chart");
        PlaywrightAssertions.assertThat(chart.locator("canvas")).isVisible();
        PlaywrightAssertions.assertThat(chart).hasAttribute("data-samples", Pattern.compile("[1-9]\\d*"));
        // both ends read at once: the chart moves them every second
        String[] ends = ((String) chart.evaluate("c => c.dataset.from + ' ' + c.dataset.to")).split(" ");
        long from = Long.parseLong(ends[0]);
        long to = Long.parseLong(ends[1]);
        assertThat(to - from).as("the axis spans the last five minutes, not years").isEqualTo(300);
        assertThat(to).isBetween(opened - 5, Instant.now().getEpochSecond() + 1);
        PlaywrightAssertions.assertThat(page.locator("#chart-remaining")).hasText("10");
        Browsers.screenshot(page, "admin-chart-at-open");
    }

    @Test
    void theFaviconIsServed() {
        Page page = newVisitor();
        var icon = page.request().get("/favicon.ico");
        assertThat(icon.status()).isEqualTo(200);
        assertThat(icon.headers().get("content-type")).contains("icon");
    }
}
