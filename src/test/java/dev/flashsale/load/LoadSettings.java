package dev.flashsale.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * What the simulations are pointed at, from system properties (-DbaseUrl=... -DadminKey=...), and
 * the two calls around a run: find the sale (as the seed's k6 script does) and audit it after.
 */
final class LoadSettings {

    static final String BASE_URL = System.getProperty("baseUrl", "http://127.0.0.1:8080");
    static final String API = BASE_URL + "/api/v1";
    static final String ADMIN_KEY = System.getProperty("adminKey", "bench-admin-key-0123456789");
    private static final Pattern PRODUCT = Pattern.compile("\"productId\":\"([0-9a-f-]{36})\"");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private LoadSettings() {
    }

    /** The product to load: -DproductId, else the newest sale (GET /sale/first, like k6's setup). */
    static String product() {
        String configured = System.getProperty("productId");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        Matcher m = PRODUCT.matcher(get("/sale/first", false));
        if (!m.find()) {
            throw new IllegalStateException("no sale found at " + API + "/sale/first");
        }
        return m.group(1);
    }

    /**
     * The service's own audit of the product, printed after the run (bench/gatling.sh checks it),
     * once the outbox has delivered what the run committed (I5 holds "once quiet"), or after 60 s.
     */
    static void audit(String productId) {
        String path = "/admin/audit/" + productId;
        String[] audit = {get(path, true)};
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> (audit[0] = get(path, true)).contains("\"outboxPending\":0,"));
        } catch (ConditionTimeoutException stillPending) {
            // printed as it stands: the audit says what is pending
        }
        System.out.println("AUDIT " + productId + " allHold=" + audit[0].contains("\"allHold\":true") + " " + audit[0]);
    }

    private static String get(String path, boolean admin) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(API + path)).GET();
        if (admin) {
            request.header("X-Admin-Key", ADMIN_KEY);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + API + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
