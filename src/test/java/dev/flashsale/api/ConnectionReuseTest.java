package dev.flashsale.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.support.Contract;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client's keep-alive connection is not closed after a hundred requests (Tomcat's default), so
 * a crowd polling a sale or a load balancer's pool does not reconnect every hundred requests
 * (decision 0014). Spoken over a raw socket, where a reconnection cannot hide.
 */
class ConnectionReuseTest extends IntegrationTest {

    private static final int REQUESTS = 300;

    @Test
    void oneConnectionServesHundredsOfRequestsWithoutBeingClosed() throws IOException {
        UUID product = liveProduct(5, 1);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] request = ("GET /api/v1/sale/status/" + product + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            for (int i = 1; i <= REQUESTS; i++) {
                out.write(request);
                out.flush();
                String head = readHead(in);
                assertThat(head).as("response %d", i).startsWith("HTTP/1.1 200");
                assertThat(head.toLowerCase(Locale.ROOT)).as("response %d", i).doesNotContain("connection: close");
                String body = new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8);
                assertThat(body).as("response %d", i).contains(product.toString());
                Contract.assertConforms(port, "GET", "/api/v1/sale/status/" + product, 200, header(head, "content-type"),
                        Map.of("Content-Type", List.of(header(head, "content-type"))), body);
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            assertThat(b).as("the server closed the connection").isNotEqualTo(-1);
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static int contentLength(String head) {
        return Integer.parseInt(header(head, "content-length"));
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " in " + head);
    }
}
