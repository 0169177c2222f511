package dev.flashsale.ops;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.flashsale.ScheduledJobs;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.web.RequestTraces;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every answer names its trace (W3C {@code traceparent}), a caller's trace is continued, and the
 * trace id found in a problem body leads to the request's log lines.
 */
@ExtendWith(OutputCaptureExtension.class)
class TracingTest extends IntegrationTest {

    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]");
    private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final String[] CALLER = {"traceparent", "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01"};

    @Autowired
    ApplicationContext context;

    @Autowired
    ScheduledJobs jobs;

    @Autowired
    RequestTraces traces;

    private LogLevel levelBefore;

    /** The service's INFO lines, whatever level another test left the (JVM-wide) logging at. */
    @BeforeEach
    void serviceLogsAtInfo() {
        LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
        levelBefore = logging.getLoggerConfiguration("dev.flashsale").getConfiguredLevel();
        logging.setLogLevel("dev.flashsale", LogLevel.INFO);
    }

    @AfterEach
    void levelAsBefore() {
        LoggingSystem.get(getClass().getClassLoader()).setLogLevel("dev.flashsale", levelBefore);
    }

    @Test
    void everyAnswerCarriesATraceparentAndAProblemCarriesItsTraceId() {
        Api.Reply ok = api.get("/api/v1/sale/products");
        Api.Reply problem = api.get("/api/v1/sale/status/not-a-uuid");

        assertThat(traceOf(ok)).isNotEqualTo(traceOf(problem)); // a new trace per request without a caller's
        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.json().path("traceId").asString()).isEqualTo(traceOf(problem));
        assertThat(ok.json().has("traceId")).isFalse();
    }

    @Test
    void aCallersTraceIsContinuedOnEveryKindOfAnswer() {
        UUID soldOut = liveProduct(1, 1);
        assertThat(buy(soldOut, "first-buyer").status()).isEqualTo(201);

        Map<String, Api.Reply> replies = Map.of(
                "hot path, sold out", api.post("/api/v1/sale/purchase",
                        Api.json(Map.of("productId", soldOut.toString(), "userId", "second-buyer")), with(Api.user("second-buyer"))),
                "full path, validation", api.post("/api/v1/admin/products", "{\"name\": 1}", with(Api.admin())),
                "security chain, 401", api.get("/api/v1/admin/products", CALLER),
                "no such resource", api.get("/api/v1/nowhere", CALLER),
                "a success", api.get("/api/v1/sale/status/" + soldOut, CALLER));

        replies.forEach((kind, reply) -> {
            assertThat(traceOf(reply)).as(kind).isEqualTo(CALLER_TRACE);
            assertThat(spanOf(reply)).as(kind + ": the service's own span").isNotEqualTo(CALLER_SPAN);
            if (reply.status() >= 400) {
                assertThat(reply.json().path("traceId").asString()).as(kind + " " + reply).isEqualTo(CALLER_TRACE);
            }
        });
        assertThat(replies.get("hot path, sold out").status()).isEqualTo(409);
        assertThat(replies.get("full path, validation").status()).isEqualTo(400);
        assertThat(replies.get("security chain, 401").status()).isEqualTo(401);
        assertThat(replies.get("no such resource").status()).isEqualTo(404);
    }

    @Test
    void theRequestsLogLinesCarryItsTraceId(CapturedOutput output) {
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Api.Reply created = api.post("/api/v1/admin/products", Api.json(Map.of(
                "name", "Traced", "price", 10, "totalQuantity", 5, "perUserLimit", 1,
                "saleStartAt", start.toString(), "saleEndAt", start.plusSeconds(3600).toString())), with(Api.admin()));

        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String productId = created.data().path("id").asString();
        assertThat(output.getOut().lines().filter(line -> line.contains("product created product=" + productId)))
                .singleElement().asString().contains(CALLER_TRACE);
    }

    @Test
    void nothingLeavesTheProcessUnlessAnOtlpEndpointIsSet() {
        assertThat(context.getBeansOfType(SpanExporter.class)).isEmpty();
        assertThat(context.getBeansOfType(OtlpMeterRegistry.class)).isEmpty();
        assertThat(context.getBeansOfType(Tracer.class)).isNotEmpty().doesNotContainValue(Tracer.NOOP);
        assertThat(context.getBean(ClientResources.class).tracing().isEnabled())
                .as("Redis commands are not observed: their spans would go nowhere").isFalse();
    }

    @Test
    void aScheduledJobsPassRunsInATraceOfItsOwn(CapturedOutput output) {
        List<String> traced = new CopyOnWriteArrayList<>();
        jobs.traced("a-test-job", () -> {
            traced.add(traces.traceId());
            LoggerFactory.getLogger(TracingTest.class).info("a pass of a test job");
        });
        jobs.traced("a-test-job", () -> traced.add(traces.traceId()));

        assertThat(traced).hasSize(2).allMatch(id -> id != null && id.matches("[0-9a-f]{32}"));
        assertThat(traced.get(0)).isNotEqualTo(traced.get(1));
        assertThat(traces.traceId()).as("nothing left open after the pass").isNull();
        assertThat(output.getOut().lines().filter(line -> line.contains("a pass of a test job")))
                .singleElement().asString().contains(traced.get(0));
    }

    private static String[] with(String... headers) {
        String[] all = new String[headers.length + 2];
        System.arraycopy(headers, 0, all, 0, headers.length);
        all[headers.length] = CALLER[0];
        all[headers.length + 1] = CALLER[1];
        return all;
    }

    private static String traceOf(Api.Reply reply) {
        return traceparent(reply).group(1);
    }

    private static String spanOf(Api.Reply reply) {
        return traceparent(reply).group(2);
    }

    private static Matcher traceparent(Api.Reply reply) {
        String header = reply.headers().firstValue("traceparent").orElse("");
        Matcher matcher = TRACEPARENT.matcher(header);
        assertThat(matcher.matches()).as("traceparent %s of %s", header, reply).isTrue();
        return matcher;
    }
}
