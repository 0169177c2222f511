package dev.flashsale.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;

/**
 * The OpenAPI that the service under test serves, and the check that an answer keeps to it.
 *
 * <p>What is validated, for every answer to a request under {@code /api/v1/} or {@code /api/v1.0/}
 * that {@link Api} receives (an alias path against the operation it serves, {@link #canonical}): its status is one the specification lists for that path and method,
 * its Content-Type is one listed for that status, its headers that the specification marks
 * required are there, and its body matches the listed schema (types, formats, required and
 * nullable fields, bounds, enumerations, and no field the schema does not name). What is not: the
 * requests (tests send bad ones on purpose), answers to paths outside the API (pages, static
 * files, {@code /actuator}, the API docs themselves), and the events of a live sale stream
 * ({@code text/event-stream}). A path or method the API does not have must be answered with a
 * 400, 404 or 405 problem (no specification lists every path it lacks).
 *
 * <p>The specification is fetched once per port, from the running service: what is checked is what
 * the service says about itself, not a copy that could drift. It is also written to
 * {@code target/openapi/served.json} for reading.
 */
public final class Contract {

    public static final String SPEC_PATH = "/api/docs/openapi";

    private static final Map<Integer, Served> SERVED = new ConcurrentHashMap<>();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    private Contract() {
    }

    private record Served(String json, OpenAPI api, OpenApiInteractionValidator validator) {
    }

    /** The specification the service on this port serves, parsed, with its references resolved. */
    public static OpenAPI specification(int port) {
        return served(port).api();
    }

    /** Whether an answer to this path is one the contract covers (see the class comment). */
    public static boolean covers(String path) {
        return path.startsWith("/api/v1/") || path.startsWith("/api/v1.0/");
    }

    /**
     * Fails, naming every disagreement, if the answer to {@code method path} is not one the served
     * specification allows. Answers outside {@link #covers(String) the API} are not checked.
     */
    public static void assertConforms(int port, String method, String path, int status, String contentType,
                                      java.net.http.HttpHeaders headers, String body) {
        assertConforms(port, method, path, status, contentType, headers.map(), body);
    }

    /** The same, for an answer read off a raw socket (headers by name). */
    public static void assertConforms(int port, String method, String path, int status, String contentType,
                                      Map<String, List<String>> headers, String body) {
        if (!covers(path) || contentType.startsWith("text/event-stream")) {
            return;
        }
        SimpleResponse.Builder response = SimpleResponse.Builder.status(status);
        headers.forEach((name, values) -> response.withHeader(name, values));
        if (!contentType.isEmpty()) {
            response.withContentType(contentType);
        }
        if (body != null && !body.isEmpty()) {
            response.withBody(body);
        }
        ValidationReport report = served(port).validator()
                .validateResponse(canonical(path), Request.Method.valueOf(method.toUpperCase(Locale.ROOT)), response.build());
        List<ValidationReport.Message> errors = report.getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .toList();
        if (errors.isEmpty() || outsideTheApi(errors, status, contentType)) {
            return;
        }
        throw new AssertionError("The answer to " + method + " " + path + " breaks the OpenAPI that the service serves ("
                + SPEC_PATH + ", saved in target/openapi/served.json):\n"
                + errors.stream().map(Contract::describe).collect(Collectors.joining("\n"))
                + "\nanswer: " + status + " " + contentType + "\n" + abbreviate(body));
    }

    /**
     * The path the document lists for an alias the service also serves: {@code /api/v1.0/x} and
     * {@code /api/v1/sale/admin/x} answer as {@code /api/v1/x} and {@code /api/v1/admin/x}, which
     * alone are listed, so an alias's answer is held to its canonical operation.
     */
    public static String canonical(String path) {
        String v1 = path.startsWith("/api/v1.0/") ? "/api/v1/" + path.substring("/api/v1.0/".length()) : path;
        return v1.startsWith("/api/v1/sale/admin/") ? "/api/v1/admin/" + v1.substring("/api/v1/sale/admin/".length()) : v1;
    }

    /**
     * A path or a method the specification does not hold, answered with a problem: 404, 405, or 400
     * for a path refused before any handler (a path parameter, an encoded percent). Any other answer
     * there (a success, a 500, a page) is a disagreement.
     */
    private static boolean outsideTheApi(List<ValidationReport.Message> errors, int status, String contentType) {
        return (status == 400 || status == 404 || status == 405) && contentType.startsWith("application/problem+json")
                && errors.stream().allMatch(m ->
                m.getKey().equals("validation.request.path.missing")
                        || m.getKey().equals("validation.request.operation.notAllowed"));
    }

    private static String describe(ValidationReport.Message message) {
        StringBuilder line = new StringBuilder("  - [").append(message.getKey()).append("] ").append(message.getMessage());
        message.getContext().flatMap(ValidationReport.MessageContext::getPointers)
                .ifPresent(p -> line.append(" (at ").append(p.getInstance()).append(", schema ").append(p.getSchema()).append(')'));
        message.getNestedMessages().forEach(nested -> line.append("\n      ").append(nested));
        message.getAdditionalInfo().forEach(info -> line.append("\n      ").append(info));
        return line.toString();
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "(no body)";
        }
        return body.length() <= 2_000 ? body : body.substring(0, 2_000) + "… (" + body.length() + " characters)";
    }

    private static Served served(int port) {
        return SERVED.computeIfAbsent(port, Contract::fetch);
    }

    private static Served fetch(int port) {
        try {
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + SPEC_PATH)).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the service serves no OpenAPI at " + SPEC_PATH + ": "
                        + response.statusCode() + " " + response.body());
            }
            String json = response.body();
            Path saved = Path.of("target", "openapi", "served.json");
            Files.createDirectories(saved.getParent());
            Files.writeString(saved, json);
            ParseOptions options = new ParseOptions();
            options.setResolve(true);
            options.setResolveFully(true);
            OpenAPI api = new OpenAPIV3Parser().readContents(json, null, options).getOpenAPI();
            return new Served(json, api, OpenApiInteractionValidator.createForInlineApiSpecification(json).build());
        } catch (IOException e) {
            throw new IllegalStateException("could not read the served OpenAPI: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
