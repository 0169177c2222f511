package dev.flashsale.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.flashsale.identity.IdentityProperties;
import dev.flashsale.identity.SessionCookie;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;

import org.springdoc.core.customizers.OpenApiCustomizer;

/**
 * How the document reads in Swagger UI: each operation once, under its canonical path (the
 * aliases {@code /api/v1.0/...} and {@code /api/v1/sale/admin/...} are still served, and answer as
 * their canonical operation does, but are not listed); three groups by who calls them (shop,
 * admin, operations), in that order, whatever the controllers' own tags say; the session cookie
 * among the ways to call as a user or admin, and the trusted header only where it is switched on;
 * and ids shaped as the service makes them (UUIDv7) in the examples.
 */
final class OpenApiLayout implements OpenApiCustomizer {

    /** An id as the service makes them: UUIDv7 (time-ordered). */
    static final String EXAMPLE_ID = "01938f2e-5b7a-7c3d-9e4f-0a1b2c3d4e5f";

    private static final Pattern ALIAS = Pattern.compile("^/api/v1\\.0/|^/api/v1/sale/admin/");
    private static final Pattern NUMBERED = Pattern.compile("_\\d+$");
    private static final String SHOP = "Shop";
    private static final String ADMIN = "Admin";
    private static final String OPERATIONS = "Operations";

    private final IdentityProperties identity;

    OpenApiLayout(IdentityProperties identity) {
        this.identity = identity;
    }

    /** The canonical path an alias serves: {@code /api/v1.0/x} and {@code /api/v1/sale/admin/x} are {@code /api/v1/...}. */
    static String canonical(String path) {
        String v1 = path.startsWith("/api/v1.0/") ? "/api/v1/" + path.substring("/api/v1.0/".length()) : path;
        return v1.startsWith("/api/v1/sale/admin/") ? "/api/v1/admin/" + v1.substring("/api/v1/sale/admin/".length()) : v1;
    }

    @Override
    public void customise(OpenAPI api) {
        Paths kept = new Paths();
        api.getPaths().entrySet().stream()
                .filter(entry -> !ALIAS.matcher(entry.getKey()).find())
                .sorted(Map.Entry.comparingByKey())
                .forEach(entry -> kept.addPathItem(entry.getKey(), entry.getValue()));
        api.setPaths(kept);

        api.setTags(List.of(
                new Tag().name(SHOP).description("Sales, purchases and the web front end's sign-in: what shoppers' "
                        + "clients call"),
                new Tag().name(ADMIN).description("Create and change sales; the admin audit log (admin role or admin key)"),
                new Tag().name(OPERATIONS).description("The outbox, the audit of Redis against PostgreSQL and the "
                        + "reconciler: what an operator looks at during and after a sale (admin role or admin key)")));

        boolean trustedHeader = identity.trustedHeader().enabled();
        Map<String, SecurityScheme> schemes = new LinkedHashMap<>(api.getComponents().getSecuritySchemes());
        schemes.put("sessionCookie", new SecurityScheme().type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.COOKIE)
                .name(SessionCookie.NAME).description("the web front end's session (POST /session or /session/admin "
                        + "sets it); the same token as a bearer token, HttpOnly and SameSite=Strict"));
        if (trustedHeader) {
            schemes.get("userHeader").name(identity.trustedHeader().name());
        } else {
            schemes.remove("userHeader");
        }
        api.getComponents().setSecuritySchemes(schemes);

        if (api.getComponents().getSchemas() != null) {
            api.getComponents().getSchemas().values().forEach(OpenApiLayout::exampleIds);
        }

        Map<String, Integer> ids = new HashMap<>();
        kept.values().forEach(item -> item.readOperations().forEach(op ->
                ids.merge(NUMBERED.matcher(op.getOperationId()).replaceAll(""), 1, Integer::sum)));
        kept.forEach((path, item) -> item.readOperations().forEach(op -> {
            op.setTags(List.of(tag(path)));
            String plain = NUMBERED.matcher(op.getOperationId()).replaceAll("");
            if (ids.get(plain) == 1) {
                op.setOperationId(plain);
            }
            op.setSecurity(security(op.getSecurity(), trustedHeader));
            exampleIds(op);
        }));
    }

    private static String tag(String path) {
        if (!path.startsWith("/api/v1/admin/")) {
            return SHOP;
        }
        return path.startsWith("/api/v1/admin/products") || path.startsWith("/api/v1/admin/audit-log") ? ADMIN : OPERATIONS;
    }

    /** Where a bearer token is accepted, so is the session cookie; the trusted header only where it is on. */
    private static List<SecurityRequirement> security(List<SecurityRequirement> requirements, boolean trustedHeader) {
        if (requirements == null) {
            return null;
        }
        List<SecurityRequirement> result = new ArrayList<>();
        for (SecurityRequirement requirement : requirements) {
            if (!trustedHeader && requirement.containsKey("userHeader")) {
                continue;
            }
            result.add(requirement);
            if (requirement.containsKey("bearer")) {
                result.add(new SecurityRequirement().addList("sessionCookie"));
            }
        }
        return result;
    }

    private static void exampleIds(Schema<?> schema) {
        if (schema.getProperties() == null) {
            return;
        }
        for (Schema<?> property : schema.getProperties().values()) {
            if (property.getExample() == null && "uuid".equals(property.getFormat())) {
                property.setExample(EXAMPLE_ID);
            }
        }
    }

    private static void exampleIds(Operation op) {
        if (op.getParameters() == null) {
            return;
        }
        for (Parameter parameter : op.getParameters()) {
            Schema<?> schema = parameter.getSchema();
            if (parameter.getExample() == null && schema != null && "uuid".equals(schema.getFormat())) {
                parameter.setExample(EXAMPLE_ID);
            }
        }
    }
}
