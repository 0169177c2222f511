package dev.flashsale.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.ComposedSchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import jakarta.validation.constraints.NotBlank;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.PropertyCustomizer;

/**
 * Makes the served OpenAPI say what the service does, where annotations on each method would
 * repeat themselves or could not say it:
 *
 * <ul>
 *   <li>the problem answers every operation of a kind can give, whoever gives them (Tomcat, the
 *   security chain, the filters, the controller advice): any operation, 400 for a request refused
 *   before any handler, 401 for a credential sent that is not valid, 429 for an address locked out
 *   after wrong admin keys, 503 when Redis or PostgreSQL fails; with a body, 400, 413 and 415; with
 *   a security requirement, 401 and 403; a sale read or purchase step, 429 for the per-address
 *   limits. A method's own {@code @ApiResponse} for a status wins: it says more.</li>
 *   <li>429 and 503 carry {@code Retry-After}.</li>
 *   <li>request bodies are strict: no field beyond those listed, and an optional field may be null
 *   (taken as absent); patterns are anchored, as bean validation matches them.</li>
 *   <li>in answers every field is present ({@code spring.jackson.default-property-inclusion:
 *   always}): required, null only where the schema says {@code nullable}. Schemas that list their
 *   required fields themselves (the problem) keep their list.</li>
 *   <li>a field's own {@code @Schema} says more than what springdoc derives from its constraints
 *   ({@link Fields}).</li>
 * </ul>
 */
final class OpenApiContract implements OpenApiCustomizer {

    static final String PROBLEM = "#/components/schemas/Problem";
    private static final String PROBLEM_JSON = "application/problem+json";

    @Override
    public void customise(OpenAPI api) {
        if (api.getPaths() != null) {
            api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) ->
                    addProblems(path, method, operation)));
        }
        if (api.getComponents() == null || api.getComponents().getSchemas() == null) {
            return;
        }
        Set<String> requestSchemas = requestSchemas(api);
        api.getComponents().getSchemas().forEach((name, schema) -> {
            if (schema.getProperties() == null) {
                return;
            }
            if (requestSchemas.contains(name)) {
                strictRequest(schema);
            } else if (schema.getRequired() == null || schema.getRequired().isEmpty()) {
                schema.setRequired(new ArrayList<>(schema.getProperties().keySet()));
            }
            anchorPatterns(schema);
        });
    }

    private static void addProblems(String path, PathItem.HttpMethod method, Operation operation) {
        ApiResponses responses = operation.getResponses();
        boolean secured = operation.getSecurity() != null && !operation.getSecurity().isEmpty();
        boolean body = operation.getRequestBody() != null;
        add(responses, "400", body || operation.getParameters() != null && !operation.getParameters().isEmpty()
                ? "malformed request or invalid input; the message names the field (VALIDATION_FAILED, "
                + "MALFORMED_REQUEST)"
                : "a request refused before any handler: an encoded slash or NUL in the path, headers over "
                + "8 KB (MALFORMED_REQUEST)");
        add(responses, "401", secured
                ? "no identity, or an invalid one (UNAUTHENTICATED)"
                : "a credential was sent and is not valid: a bad or expired token, a wrong admin key, an invalid "
                + "user header (UNAUTHENTICATED); send none for anonymous access");
        if (secured) {
            add(responses, "403", "the caller may not do this: not admin, or the admin console, which does not "
                    + "buy (FORBIDDEN)");
        }
        if (body) {
            add(responses, "413", "body larger than flashsale.web.max-body-size (PAYLOAD_TOO_LARGE)");
            add(responses, "415", "body not sent as application/json (UNSUPPORTED_MEDIA_TYPE)");
        }
        add(responses, "429", perAddressLimited(path, method)
                ? "too many requests from this address (RATE_LIMITED); retry after Retry-After"
                : "this address sent too many wrong admin keys and is locked out, whatever key it sends "
                + "(RATE_LIMITED); retry after Retry-After");
        add(responses, "503", "Redis or PostgreSQL unavailable; nothing was changed, retry after Retry-After "
                + "(SERVICE_UNAVAILABLE)");
        for (String status : List.of("429", "503")) {
            ApiResponse response = responses.get(status);
            if (response.getHeaders() == null || !response.getHeaders().containsKey("Retry-After")) {
                response.addHeaderObject("Retry-After", new Header().required(true)
                        .description("seconds to wait before retrying").schema(new IntegerSchema().minimum(
                                java.math.BigDecimal.ZERO)));
            }
        }
        // statuses in order, as a reader looks them up
        ApiResponses sorted = new ApiResponses();
        new TreeMap<>(responses).forEach(sorted::addApiResponse);
        operation.setResponses(sorted);
    }

    /** Sale reads and purchase steps are limited per address (api.RequestLimits). */
    private static boolean perAddressLimited(String path, PathItem.HttpMethod method) {
        String sale = path.replaceFirst("^/api/v1(\\.0)?/sale/", "");
        if (sale.equals(path) || sale.startsWith("admin/")) {
            return false;
        }
        return method == PathItem.HttpMethod.GET || method == PathItem.HttpMethod.POST && sale.startsWith("purchase");
    }

    private static void add(ApiResponses responses, String status, String description) {
        if (responses.containsKey(status)) {
            return;
        }
        responses.addApiResponse(status, new ApiResponse().description(description).content(new Content()
                .addMediaType(PROBLEM_JSON, new MediaType().schema(new Schema<>().$ref(PROBLEM)))));
    }

    private static Set<String> requestSchemas(OpenAPI api) {
        Set<String> names = new HashSet<>();
        api.getPaths().values().forEach(item -> item.readOperations().forEach(operation -> {
            if (operation.getRequestBody() != null && operation.getRequestBody().getContent() != null) {
                operation.getRequestBody().getContent().values().forEach(media -> {
                    if (media.getSchema() != null && media.getSchema().get$ref() != null) {
                        String ref = media.getSchema().get$ref();
                        names.add(ref.substring(ref.lastIndexOf('/') + 1));
                    }
                });
            }
        }));
        return names;
    }

    /** No unknown field; an optional field may be sent as null, which the service takes as absent. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void strictRequest(Schema schema) {
        schema.setAdditionalProperties(false);
        List<String> required = schema.getRequired() == null ? List.of() : schema.getRequired();
        ((Map<String, Schema>) schema.getProperties()).forEach((field, property) -> {
            if (!required.contains(field)) {
                property.setNullable(true);
            }
        });
    }

    /**
     * {@code @Pattern} matches a value whole, an OpenAPI pattern searches it: a pattern without an
     * anchor is anchored at both ends (one with an anchor says where it applies itself).
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void anchorPatterns(Schema schema) {
        ((Map<String, Schema>) schema.getProperties()).values().forEach(property -> {
            String pattern = property.getPattern();
            if (pattern != null && !pattern.startsWith("^") && !pattern.endsWith("$")) {
                property.setPattern("^(?:" + pattern + ")$");
            }
        });
    }

    /**
     * Corrects what springdoc derives from a field's constraints: {@code @NotBlank} means at least
     * one character (a {@code @Size} without a minimum says 0); a pattern given in the field's
     * {@code @Schema} is the one that holds (its constraints may carry several, or one that says
     * less); and a field whose {@code @Schema} is nullable may be null even when its type is a
     * schema of its own.
     */
    static final class Fields implements PropertyCustomizer {

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Schema customize(Schema property, AnnotatedType type) {
            if (property == null || type.getCtxAnnotations() == null) {
                return property;
            }
            io.swagger.v3.oas.annotations.media.Schema declared = null;
            boolean notBlank = false;
            for (var annotation : type.getCtxAnnotations()) {
                if (annotation instanceof io.swagger.v3.oas.annotations.media.Schema schema) {
                    declared = schema;
                }
                notBlank |= annotation instanceof NotBlank;
            }
            if (notBlank && (property.getMinLength() == null || property.getMinLength() < 1)) {
                property.setMinLength(1);
            }
            if (declared == null) {
                return property;
            }
            if (!declared.pattern().isEmpty()) {
                property.setPattern(declared.pattern());
            }
            if (declared.nullable() && property.get$ref() != null) {
                ComposedSchema nullable = new ComposedSchema();
                nullable.addAllOfItem(new Schema<>().$ref(property.get$ref()));
                nullable.setNullable(true);
                nullable.setDescription(declared.description().isEmpty() ? null : declared.description());
                return nullable;
            }
            return property;
        }
    }

}
