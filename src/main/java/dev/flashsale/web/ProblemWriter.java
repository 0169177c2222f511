package dev.flashsale.web;

import java.io.IOException;

import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;

/** Writes a problem response from a servlet filter, where no controller advice runs. */
@Component
public class ProblemWriter {

    private final JsonMapper json;

    ProblemWriter(JsonMapper json) {
        this.json = json;
    }

    public void write(HttpServletResponse response, HttpStatusCode status, String code, String message)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType(Problems.PROBLEM_JSON.toString());
        response.setCharacterEncoding("UTF-8");
        json.writeValue(response.getOutputStream(), Problems.asMap(Problems.of(status, code, message)));
    }
}
