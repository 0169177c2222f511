package dev.flashsale.web;

import java.io.IOException;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * The container's error page (a {@code sendError} or an exception nobody answered) as the API's
 * problem+json, in place of Spring Boot's own error JSON: one shape for every failure.
 */
@Controller
class ProblemErrorController implements ErrorController {

    private final ProblemWriter problems;
    private final RequestTraces traces;

    ProblemErrorController(ProblemWriter problems, RequestTraces traces) {
        this.problems = problems;
        this.traces = traces;
    }

    @RequestMapping("${server.error.path:${error.path:/error}}")
    void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatusCode status = HttpStatusCode.valueOf(code instanceof Integer value && value >= 400 ? value : 500);
        ProblemDetail problem = Problems.of(status, ErrorCodes.refused(status), ErrorCodes.message(status));
        traces.stamp(problem, request);
        problems.write(response, ResponseEntity.status(status).body(problem));
    }
}
