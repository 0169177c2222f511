package dev.flashsale.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that stops sending in the middle of its request's headers, or that keeps a connection
 * idle, does not keep it: Tomcat closes it after {@code connection-timeout} (5 s) without a byte,
 * or {@code keep-alive-timeout} (20 s) idle. (A whole-header deadline, against a client that
 * trickles a byte now and then, is the edge's: ops/haproxy.)
 */
class SlowClientTest extends IntegrationTest {

    @Test
    void aConnectionWhoseHeadersStopComingIsClosedAfterTheConnectionTimeout() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write("GET /api/v1/sale/products HTTP/1.1\r\nHost: localhost\r\n"
                    .getBytes(StandardCharsets.US_ASCII)); // and never the blank line that ends the headers
            long started = System.nanoTime();

            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // whatever Tomcat answers before it closes (if anything) is read and dropped
            }

            Duration held = Duration.ofNanos(System.nanoTime() - started);
            assertThat(held).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
        }
    }
}
