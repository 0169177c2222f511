package dev.flashsale.web;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * @param maxBodySize     the largest request body accepted; larger ones get 413 before they are read
 * @param streamInterval  how often a sale's live stream looks at the sale (changes are sent at most
 *                        this often, however many purchases happen in between)
 * @param streamHeartbeat an unchanged sale is sent again after this long (keeps proxies from
 *                        closing the stream and finds clients that left)
 * @param streamTimeout   a stream is closed after this long (the browser reconnects by itself)
 * @param streamProbe     a stream with nothing to send gets a comment this often, so that a client
 *                        that went away is noticed (and its stream freed) within two of them
 * @param cors            which other origins' pages may call the API (none by default)
 */
@Validated
@ConfigurationProperties("flashsale.web")
public record WebProperties(@DefaultValue("16KB") DataSize maxBodySize,
                            @DefaultValue("250ms") Duration streamInterval,
                            @DefaultValue("15s") Duration streamHeartbeat,
                            @DefaultValue("30m") Duration streamTimeout,
                            @DefaultValue("2s") Duration streamProbe,
                            @DefaultValue Cors cors) {

    public WebProperties {
        if (maxBodySize.toBytes() < 1) {
            throw new IllegalArgumentException("flashsale.web.max-body-size must be positive");
        }
        if (streamInterval.toMillis() < 10 || streamHeartbeat.toMillis() < 10 || streamProbe.toMillis() < 10
                || streamTimeout.toMillis() < 1000) {
            throw new IllegalArgumentException("flashsale.web.stream-interval, stream-heartbeat and stream-probe must "
                    + "be at least 10ms, stream-timeout at least 1s");
        }
    }

    /**
     * Cross-origin calls of the API from pages served elsewhere (docs/decisions/0021).
     *
     * @param allowedOrigins   origins, or origin patterns ({@code https://*.example.com},
     *                         {@code http://localhost:[*]}), whose pages may read the API's answers;
     *                         empty: none, every answer stays same-origin
     * @param allowCredentials whether those pages may send cookies (the web session) with their calls;
     *                         bearer tokens and the trusted header need no credentials mode
     * @param maxAge           how long a browser may reuse a preflight's answer
     */
    public record Cors(@DefaultValue List<String> allowedOrigins,
                       @DefaultValue("false") boolean allowCredentials,
                       @DefaultValue("30m") Duration maxAge) {

        public Cors {
            allowedOrigins = allowedOrigins.stream().map(String::strip).filter(o -> !o.isEmpty()).toList();
            if (allowCredentials && allowedOrigins.contains("*")) {
                throw new IllegalArgumentException("flashsale.web.cors.allow-credentials cannot go with an allowed "
                        + "origin of *: any site could then act with a visitor's session; list the origins");
            }
        }
    }
}
