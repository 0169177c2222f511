package dev.flashsale.web;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

/**
 * Headers every response carries, whoever answers it (the hot path, a limit, the security chain,
 * Spring MVC, Tomcat's own refusals): set in the server's pipeline before anything else runs.
 * The API docs (Swagger UI) get their Content-Security-Policy here too; the web pages get theirs
 * from the security chain.
 */
class SecurityHeadersValve extends ValveBase {

    static final String REFERRER_POLICY = "strict-origin-when-cross-origin";

    /** Nothing this service's pages use: no sensors, camera, microphone, payment, or the like. */
    static final String PERMISSIONS_POLICY = "accelerometer=(), autoplay=(), camera=(), display-capture=(), "
            + "encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
            + "midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), "
            + "sync-xhr=(), usb=(), xr-spatial-tracking=()";

    /**
     * Swagger UI's own scripts, styles and images, from this origin; it sets inline styles on its
     * elements (so 'unsafe-inline' for styles, never for scripts) and shows icons as data: URIs.
     */
    static final String API_DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
            + "form-action 'self'; frame-ancestors 'none'";

    SecurityHeadersValve() {
        super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        apply(request.getRequestURI(), response);
        getNext().invoke(request, response);
    }

    /** Also called after a response was reset (an error report), which drops headers. */
    static void apply(String path, HttpServletResponse response) {
        response.setHeader("Referrer-Policy", REFERRER_POLICY);
        response.setHeader("Permissions-Policy", PERMISSIONS_POLICY);
        if (path != null && (path.startsWith("/api/docs") || path.startsWith("/api/swagger-ui"))) {
            response.setHeader("Content-Security-Policy", API_DOCS_CSP);
        }
    }
}
