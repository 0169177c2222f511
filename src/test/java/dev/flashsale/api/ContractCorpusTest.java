package dev.flashsale.api;

import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.flashsale.support.Api;
import dev.flashsale.support.Contract;
import dev.flashsale.support.IntegrationTest;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import org.springframework.data.redis.connection.DataType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A negative corpus generated from the OpenAPI that the service serves. For every operation with
 * parameters or a request body, and for every parameter and body field, it makes the inputs the
 * specification says are invalid: a value of the wrong JSON type, one past each bound (minimum,
 * maximum, minLength, maxLength), null where null is not allowed, a huge value, a NUL character
 * where the field's pattern or format excludes it; and per body an unknown field, malformed JSON
 * and the wrong content type. Each is sent with valid credentials against a real target (products
 * made here: a plain live sale, and a gated one for the gate's operations), and must get the
 * expected 4xx problem with a code while nothing is written: the row counts of every table the
 * service writes, the target products' rows, their Redis keys and the number of Redis keys stay
 * as they were. Each answer is also checked against the specification ({@link Api}).
 *
 * <p>A case exists only where the specification says the input is invalid, so a field it leaves
 * open (the ignored {@code userId} of a purchase may hold any text) yields no NUL case: the
 * specification is the oracle, and a looser service than specification fails here.
 */
class ContractCorpusTest extends IntegrationTest {

    private static final String[] TABLES = {"products", "orders", "event_publication",
            "sold_counter_ledger", "payment_events"};
    private static final String NUL = "\u0000";
    private static final int HUGE = 1_000_000;
    private static final String WEBHOOK_SIGNATURE = "Flashsale-Signature";

    /** A live sale to buy and read, a gated one for the gate's operations, and one to change. */
    private record Target(UUID plain, UUID gated, UUID changed) {
    }

    private record Case(String name, String method, String path, String query, String contentType, String body,
                        String[] credentials, int expected) {
    }

    private Target target;
    private Api client;

    @TestFactory
    Stream<DynamicTest> everyInputTheSpecificationCallsInvalidIsRefusedWithAProblemAndWritesNothing() {
        Instant now = Instant.now();
        target = new Target(liveProduct(10, 5),
                product(10, 5, now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1)), Map.of("gated", true)),
                liveProduct(10, 5));
        client = Api.from("127.0.0.1", port, Duration.ofSeconds(15));
        List<Case> cases = corpus(Contract.specification(port));
        assertThat(cases).as("the corpus").hasSizeGreaterThan(100);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> refusedWithoutAWrite(c)));
    }

    // --- the corpus ---------------------------------------------------------------------------

    private List<Case> corpus(OpenAPI spec) {
        List<Case> cases = new ArrayList<>();
        for (var path : canonical(spec).entrySet()) {
            path.getValue().readOperationsMap().forEach((method, operation) ->
                    cases.addAll(casesOf(path.getKey(), method.name(), operation)));
        }
        return cases;
    }

    /** Each operation once: under /api/v1, not under its aliases (/api/v1.0, /api/v1/sale/admin). */
    private static Map<String, PathItem> canonical(OpenAPI spec) {
        Map<String, PathItem> paths = new TreeMap<>();
        spec.getPaths().forEach((path, item) -> {
            if (path.startsWith("/api/v1/") && !path.startsWith("/api/v1/sale/admin/")) {
                paths.put(path, item);
            }
        });
        return paths;
    }

    private List<Case> casesOf(String path, String method, Operation operation) {
        List<Case> cases = new ArrayList<>();
        String[] credentials = credentials(operation);
        UUID product = path.contains("/challenge/") || path.endsWith("/purchase-token") ? target.gated()
                : "PATCH".equals(method) ? target.changed() : target.plain();
        List<Parameter> parameters = operation.getParameters() == null ? List.of() : operation.getParameters();
        Map<String, String> validParameters = new LinkedHashMap<>();
        for (Parameter parameter : parameters) {
            if ("path".equals(parameter.getIn()) || Boolean.TRUE.equals(parameter.getRequired())) {
                validParameters.put(parameter.getName(), product.toString());
            }
        }
        Schema<?> bodySchema = bodySchema(operation);
        Map<String, Object> validBody = bodySchema == null ? null : validBody(bodySchema, product);
        String operationName = method + " " + path;

        for (Parameter parameter : parameters) {
            String name = operationName + " · " + parameter.getIn() + " " + parameter.getName() + " · ";
            for (var bad : badParameterValues(parameter, product).entrySet()) {
                Map<String, String> values = new LinkedHashMap<>(validParameters);
                if (bad.getValue() == null) {
                    values.remove(parameter.getName());
                } else {
                    values.put(parameter.getName(), bad.getValue());
                }
                cases.add(request(name + bad.getKey(), method, path, parameters, values,
                        validBody == null ? null : Api.json(validBody), credentials, 400));
            }
        }
        if (bodySchema != null) {
            for (var field : properties(bodySchema).entrySet()) {
                String name = operationName + " · body " + field.getKey() + " · ";
                for (var bad : badFieldValues(field.getKey(), field.getValue(), bodySchema, product).entrySet()) {
                    Map<String, Object> body = new LinkedHashMap<>(validBody);
                    body.put(field.getKey(), bad.getValue());
                    boolean huge = bad.getKey().startsWith("huge");
                    cases.add(request(name + bad.getKey(), method, path, parameters, validParameters, Api.json(body),
                            credentials, huge ? 413 : 400));
                }
            }
            String name = operationName + " · body · ";
            Map<String, Object> unknown = new LinkedHashMap<>(validBody);
            unknown.put("unexpectedField", 1);
            if (Boolean.FALSE.equals(bodySchema.getAdditionalProperties())) {
                cases.add(request(name + "an unknown field", method, path, parameters, validParameters,
                        Api.json(unknown), credentials, 400));
            }
            String json = Api.json(validBody);
            cases.add(request(name + "malformed JSON", method, path, parameters, validParameters,
                    json.substring(0, json.length() - 1), credentials, 400));
            cases.add(request(name + "a JSON array", method, path, parameters, validParameters, "[" + json + "]",
                    credentials, 400));
            cases.add(new Case(name + "sent as text/plain", method, expand(path, validParameters),
                    query(parameters, validParameters), "text/plain", json, credentials, 415));
        }
        return cases;
    }

    private static Case request(String name, String method, String path, List<Parameter> parameters,
                                Map<String, String> values, String body, String[] credentials, int expected) {
        return new Case(name, method, expand(path, values), query(parameters, values),
                body == null ? null : "application/json", body, credentials, expected);
    }

    /** The path with its parameters' values in place. */
    private static String expand(String path, Map<String, String> values) {
        String expanded = path;
        for (var value : values.entrySet()) {
            expanded = expanded.replace("{" + value.getKey() + "}",
                    URLEncoder.encode(value.getValue(), StandardCharsets.UTF_8));
        }
        return expanded;
    }

    /** What the specification says a parameter may not be, by what its schema says. */
    private static Map<String, String> badParameterValues(Parameter parameter, UUID product) {
        Map<String, String> bad = new LinkedHashMap<>();
        Schema<?> schema = parameter.getSchema();
        if (Boolean.TRUE.equals(parameter.getRequired()) && "query".equals(parameter.getIn())) {
            bad.put("missing", null);
        }
        if ("integer".equals(schema.getType())) {
            bad.put("wrong type (text)", "abc");
            bad.put("wrong type (a fraction)", "1.5");
            if (schema.getMinimum() != null) {
                bad.put("below its minimum", schema.getMinimum().toBigInteger().subtract(BigInteger.ONE).toString());
            }
            if (schema.getMaximum() != null) {
                bad.put("above its maximum", schema.getMaximum().toBigInteger().add(BigInteger.ONE).toString());
            }
            bad.put("huge", "9".repeat(30));
        } else if ("string".equals(schema.getType())) {
            if ("uuid".equals(schema.getFormat())) {
                bad.put("not a UUID", "not-a-uuid");
                bad.put("a number", "42");
                bad.put("a NUL character", product + NUL);
                bad.put("white space around it", " " + product + " ");
            }
            bad.put("huge", "x".repeat(10_000));
        }
        return bad;
    }

    /** What the specification says a body field may not be, by what its schema says. */
    private static Map<String, Object> badFieldValues(String field, Schema<?> schema, Schema<?> body, UUID product) {
        Map<String, Object> bad = new LinkedHashMap<>();
        boolean required = body.getRequired() != null && body.getRequired().contains(field);
        if (!Boolean.TRUE.equals(schema.getNullable())) {
            bad.put(required ? "null (required)" : "null", null);
        }
        String type = schema.getType();
        if (type == null && schema.getAllOf() != null) {
            return bad;
        }
        switch (type) {
            case "string" -> {
                bad.put("wrong type (a number)", 5);
                bad.put("wrong type (an object)", Map.of());
                if (schema.getMinLength() != null && schema.getMinLength() > 0) {
                    bad.put("shorter than minLength", "x".repeat(schema.getMinLength() - 1));
                }
                if (schema.getMaxLength() != null) {
                    bad.put("longer than maxLength", "x".repeat(schema.getMaxLength() + 1));
                }
                String withNul = validValue(field, schema, product) + NUL;
                if (schema.getFormat() != null && Set.of("uuid", "date-time").contains(schema.getFormat())
                        || schema.getPattern() != null && !Pattern.compile(schema.getPattern()).matcher(withNul).find()) {
                    bad.put("a NUL character", withNul);
                }
                bad.put("huge (1 MB)", "x".repeat(HUGE));
            }
            case "integer" -> {
                bad.put("wrong type (a numeric string)", "1");
                bad.put("wrong type (a fraction)", 1.5);
                bad.put("wrong type (an object)", Map.of());
                if (schema.getMinimum() != null) {
                    bad.put("below its minimum", schema.getMinimum().toBigInteger().subtract(BigInteger.ONE));
                }
                if (schema.getMaximum() != null) {
                    bad.put("above its maximum", schema.getMaximum().toBigInteger().add(BigInteger.ONE));
                }
                bad.put("a huge number", new BigInteger("9".repeat(30)));
            }
            case "number" -> {
                bad.put("wrong type (a numeric string)", "1");
                bad.put("wrong type (an object)", Map.of());
                if (schema.getMinimum() != null) {
                    bad.put("below its minimum", schema.getMinimum().subtract(java.math.BigDecimal.ONE));
                }
                if (schema.getMaximum() != null) {
                    bad.put("above its maximum", schema.getMaximum().add(java.math.BigDecimal.ONE));
                }
                bad.put("a huge number", new java.math.BigDecimal("1e40"));
            }
            case "boolean" -> {
                bad.put("wrong type (a string)", "true");
                bad.put("wrong type (a number)", 1);
            }
            default -> throw new IllegalStateException("a field of type " + type + ": extend the corpus");
        }
        return bad;
    }

    /** A body the specification calls valid, aimed at the target: its required fields only. */
    private static Map<String, Object> validBody(Schema<?> schema, UUID product) {
        Map<String, Object> body = new LinkedHashMap<>();
        List<String> required = schema.getRequired() == null ? List.of() : schema.getRequired();
        properties(schema).forEach((field, property) -> {
            if (required.contains(field)) {
                body.put(field, validValue(field, property, product));
            }
        });
        return body;
    }

    /** A value of a field that the specification calls valid (and the target's id for productId). */
    private static Object validValue(String field, Schema<?> property, UUID product) {
        return switch (field) {
            case "productId" -> product.toString();
            case "name" -> "corpus-" + UUID.randomUUID();
            case "key" -> Api.ADMIN_KEY;
            case "price" -> new java.math.BigDecimal("19.99");
            case "totalQuantity" -> 5;
            case "saleStartAt" -> "2030-01-01T00:00:00Z";
            case "saleEndAt" -> "2030-01-02T00:00:00Z";
            case "purchaseToken" -> "a".repeat(32);
            case "nonce" -> "48213";
            case "orderId" -> UUID.randomUUID().toString();
            default -> switch (String.valueOf(property.getType())) {
                case "integer", "number" -> property.getMinimum() != null ? property.getMinimum().intValue() : 1;
                case "boolean" -> false;
                default -> "text";
            };
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<String, Schema<?>> properties(Schema<?> schema) {
        return schema.getProperties() == null ? Map.of() : (Map) schema.getProperties();
    }

    private static Schema<?> bodySchema(Operation operation) {
        if (operation.getRequestBody() == null || operation.getRequestBody().getContent() == null) {
            return null;
        }
        MediaType json = operation.getRequestBody().getContent().get("application/json");
        return json == null ? null : json.getSchema();
    }

    private static String[] credentials(Operation operation) {
        if (operation.getSecurity() == null) {
            return new String[0];
        }
        if (operation.getSecurity().stream().anyMatch(r -> r.containsKey("webhookSignature"))) {
            return new String[] {WEBHOOK_SIGNATURE};
        }
        boolean admin = operation.getSecurity().stream().anyMatch(r -> r.containsKey("adminKey"));
        return admin ? Api.admin() : Api.user("corpus-" + UUID.randomUUID());
    }

    private static String query(List<Parameter> parameters, Map<String, String> values) {
        StringBuilder query = new StringBuilder();
        for (Parameter parameter : parameters) {
            if ("query".equals(parameter.getIn()) && values.containsKey(parameter.getName())) {
                query.append(query.isEmpty() ? "?" : "&").append(parameter.getName()).append('=')
                        .append(URLEncoder.encode(values.get(parameter.getName()), StandardCharsets.UTF_8));
            }
        }
        return query.toString();
    }

    // --- one case -----------------------------------------------------------------------------

    private void refusedWithoutAWrite(Case c) {
        Snapshot before = snapshot();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + c.path() + c.query()))
                .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(c.body()));
        List<String> headers = new ArrayList<>(List.of(c.credentials()));
        if (c.credentials().length == 1 && WEBHOOK_SIGNATURE.equals(c.credentials()[0])) {
            // the webhook's credential is a signature of the very body sent
            headers = new ArrayList<>(List.of(WEBHOOK_SIGNATURE, Api.webhookSignature(c.body() == null ? "" : c.body())));
        }
        if (c.contentType() != null) {
            headers.addAll(List.of("Content-Type", c.contentType()));
        }

        Api.Reply reply = client.send(request, headers.toArray(String[]::new));

        String answer = c.name() + " answered " + reply;
        assertThat(reply.status()).as(answer).isEqualTo(c.expected());
        assertThat(reply.contentType()).as(answer).startsWith("application/problem+json");
        assertThat(reply.code()).as(answer).isNotBlank();
        assertThat(snapshot().against(before)).as(c.name() + " wrote").isEmpty();
    }

    /**
     * What the service could have written: row counts (units of settled orders only, see
     * {@link #settledUnits()}), the targets' rows and Redis keys, the Redis keys outside other sales.
     */
    private record Snapshot(Map<String, Object> state, Set<String> redisKeys) {

        /** What differs from an earlier snapshot (keys that expired meanwhile are not the request's doing). */
        List<String> against(Snapshot before) {
            List<String> changes = new ArrayList<>();
            before.state().forEach((what, was) -> {
                if (!java.util.Objects.equals(was, state().get(what))) {
                    changes.add(what + ": " + was + " -> " + state().get(what));
                }
            });
            state().keySet().stream().filter(k -> !before.state().containsKey(k))
                    .forEach(k -> changes.add(k + " appeared: " + state().get(k)));
            redisKeys().stream().filter(k -> !before.redisKeys().contains(k))
                    .forEach(k -> changes.add("Redis key appeared: " + k));
            return changes;
        }
    }

    private Snapshot snapshot() {
        Map<String, Object> state = new TreeMap<>();
        for (String table : TABLES) {
            state.put("rows of " + table, jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single());
        }
        state.put("units of settled orders", settledUnits());
        for (UUID product : List.of(target.plain(), target.gated(), target.changed())) {
            state.put("product " + product, jdbc.sql("SELECT p::text FROM products p WHERE id = ?")
                    .param(product).query(String.class).single());
            Set<String> keys = redis.keys("fs:{" + product + "}:*");
            for (String key : keys.stream().sorted(Comparator.naturalOrder()).toList()) {
                state.put(key, value(key));
            }
        }
        return new Snapshot(state, redisKeysBesideOtherSales(target.plain(), target.gated(), target.changed()));
    }

    private Object value(String key) {
        DataType type = redis.type(key);
        return switch (type == null ? DataType.NONE : type) {
            case STRING -> redis.opsForValue().get(key);
            case HASH -> new TreeMap<>(redis.opsForHash().entries(key));
            case SET -> new java.util.TreeSet<>(redis.opsForSet().members(key));
            case ZSET -> redis.opsForZSet().rangeWithScores(key, 0, -1).toString();
            case LIST -> redis.opsForList().range(key, 0, -1);
            default -> type;
        };
    }
}
