package dev.flashsale.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Chromium driven by Playwright for Java: no browser download. The browser is
 * {@code /usr/bin/chromium} (package {@code chromium}) unless {@code CHROMIUM_PATH} says otherwise.
 * Without one the browser tests are skipped, and reported as skipped, except where
 * {@code FLASHSALE_BROWSER_TESTS=required} (as in .ci/run): there they fail.
 */
public final class Browsers {

    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private Browsers() {
    }

    public static Path chromium() {
        Path path = Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));
        if (!Files.isExecutable(path)) {
            String why = "no Chromium at " + path + " (apt-get install chromium, or set CHROMIUM_PATH)";
            if ("required".equals(System.getenv("FLASHSALE_BROWSER_TESTS"))) {
                throw new IllegalStateException("browser tests are required here, but " + why);
            }
            Assumptions.abort("browser tests skipped: " + why);
        }
        return path;
    }

    public static Playwright playwright() {
        return Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    }

    public static Browser launch(Playwright playwright) {
        return playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(chromium())
                .setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync")));
    }

    /** A full-page screenshot under target/screenshots, for a person to look at. */
    public static void screenshot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }
}
