package dev.flashsale.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's Chromium driven by Playwright for Java: no browser download. The browser is
 * {@code /usr/bin/chromium} (package {@code chromium}) unless {@code CHROMIUM_PATH} says otherwise.
 * Without one the browser tests are skipped, and reported as skipped, except where
 * {@code FLASHSALE_BROWSER_TESTS=required} (as in .ci/run): there they fail.
 */
public final class Browsers {

    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final String AXE = "META-INF/resources/webjars/axe-core/4.6.3/axe.min.js";

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

    /**
     * Looks at the page as a person and as a checker would: a full-page screenshot under
     * target/screenshots, and the axe-core accessibility rules (WCAG 2.1 A and AA and axe's best
     * practices: names, labels, contrast, landmarks, ARIA), which must find nothing serious or
     * critical.
     */
    public static void screenshot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
        assertThat(accessibilityViolations(page)).as("accessibility of " + name).isEmpty();
    }

    /**
     * Serious and critical axe-core violations on the page, one line each. The page's context must
     * have {@link #axe()} as an init script (it runs before the page's own scripts, and the pages'
     * Content-Security-Policy does not apply to it).
     */
    @SuppressWarnings("unchecked")
    public static List<String> accessibilityViolations(Page page) {
        return (List<String>) page.evaluate("""
                async () => {
                  const result = await axe.run(document,
                      {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']});
                  return result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
                }""");
    }

    /** axe-core's source, from its WebJar. */
    public static String axe() {
        try (InputStream in = Browsers.class.getClassLoader().getResourceAsStream(AXE)) {
            if (in == null) {
                throw new IllegalStateException("axe-core is not on the test class path: " + AXE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
