package dev.flashsale.web;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatusCode;

/**
 * Tomcat's error report as the API's problem+json instead of its HTML page (which names the server
 * and its version). It answers what Tomcat refuses before the application sees a request: an
 * encoded slash or NUL in the path, headers over the size limit, a malformed request line.
 */
public class ProblemReportValve extends ErrorReportValve {

    private final JsonMapper json;
    private final ProblemCounts counts;

    /** For Tomcat, which makes one by name when the host has none; the application adds its own. */
    public ProblemReportValve() {
        this(JsonMapper.builder().build(), null);
    }

    ProblemReportValve(JsonMapper json, ProblemCounts counts) {
        this.json = json;
        this.counts = counts;
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return; // nobody would read it
        }
        HttpStatusCode code = HttpStatusCode.valueOf(status);
        if (counts != null) {
            counts.count(ErrorCodes.refused(code));
        }
        try {
            SecurityHeadersValve.apply(request.getRequestURI(), response);
            response.setContentType(Problems.PROBLEM_JSON.toString());
            response.setCharacterEncoding("UTF-8");
            PrintWriter writer = response.getReporter();
            if (writer != null) {
                writer.write(json.writeValueAsString(Problems.asMap(
                        Problems.of(code, ErrorCodes.refused(code), ErrorCodes.message(code)))));
            }
        } catch (IOException | IllegalStateException | JacksonException e) {
            // the connection is going away: nothing more to say
        }
    }
}
