package dev.flashsale.web;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.UUID;
import java.util.stream.Stream;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client's mistake is a 4xx problem in the API's shape, whoever answers it (a controller, a
 * filter, the security firewall, Tomcat itself), and costs at most one log line, without a stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class ErrorAnswersTest extends IntegrationTest {

    static Stream<Arguments> badPageRequests() {
        return Stream.of(
                Arguments.of("/api/v1/admin/products?limit=0", "limit"),
                Arguments.of("/api/v1/admin/products?limit=501", "limit"),
                Arguments.of("/api/v1/admin/products?limit=-1", "limit"),
                Arguments.of("/api/v1/admin/products?offset=-1", "offset"),
                Arguments.of("/api/v1/admin/outbox/failed?limit=0", "limit"),
                Arguments.of("/api/v1/admin/outbox/failed?limit=1001", "limit"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPageRequests")
    void aPageParameterOutOfBoundsIsA400NamingIt(String path, String parameter, CapturedOutput output) {
        Api.Reply reply = api.get(path, Api.admin());

        assertProblem(reply, 400, "VALIDATION_FAILED");
        assertThat(reply.json().path("error").asString()).startsWith(parameter + ":");
        assertQuietLog(output);
    }

    @Test
    void aChunkedPurchaseBodyOverTheLimitIsA413(CapturedOutput output) {
        UUID product = liveProduct(3, 1);
        Api.Reply reply = chunked("/api/v1/sale/purchase", bigBody(product), Api.user("chunky"));

        assertProblem(reply, 413, "PAYLOAD_TOO_LARGE");
        assertThat(redisBuyers(product)).isZero();
        assertQuietLog(output);
    }

    @Test
    void aChunkedAdminBodyOverTheLimitIsA413(CapturedOutput output) {
        Api.Reply reply = chunked("/api/v1/admin/products", bigBody(UUID.randomUUID()), Api.admin());

        assertProblem(reply, 413, "PAYLOAD_TOO_LARGE");
        assertQuietLog(output);
    }

    static Stream<Arguments> requestsRefusedBeforeTheApplication() {
        return Stream.of(
                Arguments.of("an encoded slash", "/api/v1/sale/status/a%2Fb", new String[0]),
                Arguments.of("an encoded NUL", "/api/v1/sale/status/a%00b", new String[0]),
                Arguments.of("a semicolon (the firewall)", "/api/v1/sale/products;x=y", new String[0]),
                Arguments.of("an encoded percent (the firewall)", "/api/v1/sale/products%25", new String[0]),
                Arguments.of("headers over 8 KB", "/api/v1/sale/products", new String[] {"X-Padding", "x".repeat(9_000)}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestsRefusedBeforeTheApplication")
    void aRequestRefusedBeforeTheApplicationGetsAProblemToo(String what, String path, String[] headers,
                                                           CapturedOutput output) {
        Api.Reply reply = api.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET(), headers);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
        assertThat(reply.contentType()).as(reply.toString()).startsWith("application/problem+json");
        assertThat(reply.json().path("success").asBoolean(true)).isFalse();
        assertThat(reply.code()).isNotBlank();
        assertThat(reply.json().path("status").asInt()).isEqualTo(400);
        assertThat(reply.text()).doesNotContain("Tomcat", "<html", "timestamp");
        assertQuietLog(output);
    }

    private Api.Reply chunked(String path, byte[] body, String... headers) {
        // a body publisher of unknown length is sent with Transfer-Encoding: chunked
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        return api.send(request, headers);
    }

    private static byte[] bigBody(UUID product) {
        return ("{\"productId\":\"" + product + "\",\"pad\":\"" + "x".repeat(40_000) + "\"}").getBytes();
    }

    static void assertProblem(Api.Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.contentType()).as(reply.toString()).startsWith("application/problem+json");
        assertThat(reply.code()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.json().path("success").asBoolean(true)).isFalse();
    }

    /** Nothing at ERROR, no stack trace: a client's mistake is not the service's failure. */
    static void assertQuietLog(CapturedOutput output) {
        assertThat(output.getOut()).doesNotContain(" ERROR ").doesNotContain("\tat ");
        assertThat(output.getErr()).doesNotContain(" ERROR ").doesNotContain("\tat ");
    }
}
