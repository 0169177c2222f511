package dev.flashsale.ops;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.support.Scrape;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every query of the Grafana dashboard and of the Prometheus rules reads metrics the service
 * exports under those names: a renamed meter or a misspelt query fails here, not on the night of
 * a sale. Names the rules record themselves (flashsale:...) count as known, and so does {@code up},
 * which Prometheus writes.
 */
class DashboardQueriesTest extends IntegrationTest {

    private static final Path DASHBOARD = Path.of("ops/grafana/flashsale-dashboard.json");
    private static final List<Path> RULES = List.of(Path.of("ops/prometheus/rules.yml"));
    private static final Set<String> WRITTEN_BY_PROMETHEUS = Set.of("up");

    @Test
    void everyQueryOfTheDashboardAndTheRulesReadsMetricsTheServiceExports() throws IOException {
        // what a sale produces, so that series labelled by sale exist too
        UUID product = liveProduct(5, 1);
        assertThat(buy(product, "dash-a").status()).isEqualTo(201);
        assertThat(buy(product, "dash-a").status()).isEqualTo(409);
        assertThat(api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}").status()).isEqualTo(401);
        Scrape scrape = await().atMost(Duration.ofSeconds(20)).until(() -> Scrape.of(api),
                s -> !s.series("flashsale_sale_units_available", "product", product.toString()).isEmpty());
        Set<String> exported = scrape.names();

        Map<String, String> queries = new LinkedHashMap<>();
        dashboardQueries().forEach(q -> queries.put(q, "dashboard"));
        Set<String> recorded = new LinkedHashSet<>();
        for (Path file : RULES) {
            for (Map<String, Object> rule : rules(file)) {
                queries.put(String.valueOf(rule.get("expr")), file + " " + rule.getOrDefault("alert", rule.get("record")));
                if (rule.containsKey("record")) {
                    recorded.add(String.valueOf(rule.get("record")));
                }
            }
        }

        Set<String> read = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        queries.forEach((query, where) -> {
            for (String name : PromQlNames.of(query)) {
                read.add(name);
                if (!exported.contains(name) && !recorded.contains(name) && !WRITTEN_BY_PROMETHEUS.contains(name)) {
                    unknown.add(name + " (" + where + ": " + query.strip() + ")");
                }
            }
        });

        assertThat(queries).as("queries found").hasSizeGreaterThan(40);
        assertThat(read).as("the names the queries read").contains("flashsale_purchases_total",
                "http_server_requests_seconds_bucket", "flashsale_outbox_oldest_age_seconds",
                "flashsale_sale_units_available", "flashsale_problems_total", "flashsale_reconciler_repairs_total",
                "resilience4j_circuitbreaker_state", "jvm_memory_used_bytes", "flashsale:purchase_latency_seconds:p99_5m");
        assertThat(unknown).as("names the service does not export").isEmpty();
    }

    /** The extraction itself: names, whatever surrounds them, and nothing else. */
    @Test
    void readsTheMetricNamesOfAQueryAndNothingElse() {
        assertThat(PromQlNames.of("""
                histogram_quantile(0.99, sum by (le) (rate(a_seconds_bucket{uri=~"/api/v1(\\\\.0)?/x", le!="+Inf"}[$__rate_interval])))
                / ignoring (code) group_left sum without (instance) (b_total offset 5m) > 2 * c:recorded:rate1m
                and on (name) max_over_time(d_state{state="open"}[1m]) == bool 1 unless e""")).containsExactly(
                "a_seconds_bucket", "b_total", "c:recorded:rate1m", "d_state", "e");
    }

    private static List<String> dashboardQueries() throws IOException {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        List<String> queries = new ArrayList<>();
        collectExpressions(dashboard, queries);
        return queries;
    }

    private static void collectExpressions(JsonNode node, List<String> into) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (field.getKey().equals("expr") && field.getValue().isString()) {
                    into.add(field.getValue().asString());
                } else {
                    collectExpressions(field.getValue(), into);
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> collectExpressions(child, into));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            Map<String, Object> doc = new Yaml().load(reader);
            List<Map<String, Object>> rules = new ArrayList<>();
            for (Map<String, Object> group : (List<Map<String, Object>>) doc.get("groups")) {
                rules.addAll((List<Map<String, Object>>) group.get("rules"));
            }
            return rules;
        }
    }
}
