package dev.flashsale.identity;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.web.header.HeaderWriter;
import org.springframework.security.web.header.writers.CacheControlHeadersWriter;
import org.springframework.security.web.header.writers.CompositeHeaderWriter;
import org.springframework.security.web.header.writers.HstsHeaderWriter;
import org.springframework.security.web.header.writers.XContentTypeOptionsHeaderWriter;
import org.springframework.security.web.header.writers.XXssProtectionHeaderWriter;
import org.springframework.security.web.header.writers.frameoptions.XFrameOptionsHeaderWriter;

/**
 * The security headers of every answer the security chain lets through or gives (Spring
 * Security's defaults: no sniffing, no caching, no framing, HSTS over HTTPS, the XSS auditor off),
 * defined once for the chain and for filters that answer before it (the hot path). The headers
 * every response carries whoever answers it are {@code web.SecurityHeadersValve}'s.
 */
public final class ApiHeaders {

    static final HeaderWriter WRITER = new CompositeHeaderWriter(List.of(
            new XContentTypeOptionsHeaderWriter(),
            xssProtectionOff(),
            new CacheControlHeadersWriter(),
            new HstsHeaderWriter(),
            new XFrameOptionsHeaderWriter(XFrameOptionsHeaderWriter.XFrameOptionsMode.DENY)));

    private ApiHeaders() {
    }

    /** Sets the headers, as the security chain does, on an answer written before that chain. */
    public static void write(HttpServletRequest request, HttpServletResponse response) {
        WRITER.writeHeaders(request, response);
    }

    private static HeaderWriter xssProtectionOff() {
        XXssProtectionHeaderWriter writer = new XXssProtectionHeaderWriter();
        writer.setHeaderValue(XXssProtectionHeaderWriter.HeaderValue.DISABLED);
        return writer;
    }
}
