package dev.flashsale.web;

import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * Counts the problems Spring MVC writes, those of {@link ApiExceptionHandler} and those controllers
 * return, and gives each the request's trace id. Every body passes here just before it is written,
 * whichever handler made it.
 */
@RestControllerAdvice
class ProblemCountingAdvice implements ResponseBodyAdvice<Object> {

    private final ProblemCounts counts;
    private final RequestTraces traces;

    ProblemCountingAdvice(ProblemCounts counts, RequestTraces traces) {
        this.counts = counts;
        this.traces = traces;
    }

    @Override
    public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public Object beforeBodyWrite(Object body, MethodParameter returnType, MediaType contentType,
                                  Class<? extends HttpMessageConverter<?>> converterType,
                                  ServerHttpRequest request, ServerHttpResponse response) {
        if (body instanceof ProblemDetail problem) {
            counts.count(problem);
            traces.stamp(problem);
        }
        return body;
    }
}
