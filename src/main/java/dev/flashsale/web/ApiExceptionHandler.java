package dev.flashsale.web;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.BindingResult;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The one place where exceptions become HTTP answers. Spring MVC's own failures (bad JSON, wrong
 * method, unknown path...) keep their status and get the seed-compatible problem fields; a
 * dependency that fails (Redis, PostgreSQL, the connection pool, an error the database reports
 * without a category) is a 503 with Retry-After; anything else is a bug, logged, and a 500.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
                                                             HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, status, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem) {
            String message = problem.getDetail() != null ? problem.getDetail() : String.valueOf(problem.getTitle());
            Problems.decorate(problem, ErrorCodes.of(status), message);
        }
        return response;
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        return fieldErrors(ex.getBindingResult());
    }

    @ExceptionHandler(RequestFields.InvalidFields.class)
    ResponseEntity<Object> invalidFields(RequestFields.InvalidFields ex) {
        return fieldErrors(ex.errors());
    }

    /** One problem naming every bad field: a form shows all its errors in one round. */
    private static ResponseEntity<Object> fieldErrors(BindingResult result) {
        List<Map<String, String>> errors = result.getAllErrors().stream()
                .map(e -> Map.of(
                        "field", e instanceof FieldError f ? f.getField() : e.getObjectName(),
                        "message", String.valueOf(e.getDefaultMessage())))
                // bean validation reports in no fixed order: the same request, the same answer
                .sorted(Comparator.comparing((Map<String, String> e) -> e.get("field"))
                        .thenComparing(e -> e.get("message")))
                .toList();
        String message = String.join("; ", errors.stream().map(e -> e.get("field") + ": " + e.get("message")).toList());
        ProblemDetail problem = Problems.of(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED, message);
        problem.setProperty("errors", errors);
        return ResponseEntity.badRequest().contentType(Problems.PROBLEM_JSON).body(problem);
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException ex,
                                                                            HttpHeaders headers, HttpStatusCode status,
                                                                            WebRequest request) {
        String message = String.join("; ", ex.getParameterValidationResults().stream()
                .map(r -> r.getMethodParameter().getParameterName() + ": "
                        + r.getResolvableErrors().getFirst().getDefaultMessage())
                .toList());
        return ResponseEntity.badRequest().contentType(Problems.PROBLEM_JSON)
                .body(Problems.of(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED, message));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        if (causedBy(ex, BodySizeLimitFilter.BodyTooLargeException.class) != null) {
            return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).contentType(Problems.PROBLEM_JSON)
                    .body(Problems.of(HttpStatus.CONTENT_TOO_LARGE, ErrorCodes.PAYLOAD_TOO_LARGE,
                            causedBy(ex, BodySizeLimitFilter.BodyTooLargeException.class).getMessage()));
        }
        String message = "Malformed JSON request body";
        MismatchedInputException mismatch = causedBy(ex, MismatchedInputException.class);
        if (mismatch != null && !mismatch.getPath().isEmpty()) {
            String field = mismatch.getPath().getLast().getPropertyName();
            message = mismatch instanceof InvalidFormatException
                    ? field + ": has an invalid value"
                    : field + ": has the wrong type";
        }
        return ResponseEntity.badRequest().contentType(Problems.PROBLEM_JSON)
                .body(Problems.of(HttpStatus.BAD_REQUEST, ErrorCodes.MALFORMED_REQUEST, message));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException ex) {
        String expected = ex.getRequiredType() != null ? ex.getRequiredType().getSimpleName() : "another type";
        String message = ex.getName() + ": must be a valid " + ("UUID".equals(expected) ? "UUID" : expected);
        return Problems.response(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED, message);
    }

    /**
     * A constraint on a request parameter of a {@code @Validated} controller (a page's bounds, say),
     * checked by the method-validation proxy: the caller's mistake, named by its parameter.
     */
    @ExceptionHandler(ConstraintViolationException.class)
    ResponseEntity<ProblemDetail> constraintViolated(ConstraintViolationException ex) {
        String message = String.join("; ", ex.getConstraintViolations().stream()
                .map(v -> parameterName(v) + ": " + v.getMessage())
                .sorted()
                .toList());
        return Problems.response(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED, message);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> failure(Exception ex) {
        return Problems.failure(ex);
    }

    /** The last node of {@code list.limit}: the parameter's name. */
    private static String parameterName(ConstraintViolation<?> violation) {
        String name = null;
        for (Path.Node node : violation.getPropertyPath()) {
            name = node.getName();
        }
        return name != null ? name : violation.getPropertyPath().toString();
    }

    private static <T extends Throwable> T causedBy(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
