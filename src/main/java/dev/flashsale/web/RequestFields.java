package dev.flashsale.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.converter.AbstractJacksonHttpMessageConverter;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.validation.BeanPropertyBindingResult;
import org.springframework.validation.FieldError;
import org.springframework.validation.MapBindingResult;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.RequestBodyAdviceAdapter;

/**
 * One answer names every bad field of a JSON body. Jackson stops at the first value of the wrong
 * type, and bean validation runs only on a body that could be read, so a form with a word for a
 * number and a blank name would need two rounds. Here each field of a request record is read on its
 * own first: fields of the wrong type and fields the request does not declare are collected, the
 * others are validated, and all of it becomes one {@code 400 VALIDATION_FAILED} with an
 * {@code errors} list. A body that is not a JSON object is left to the converter
 * ({@code MALFORMED_REQUEST}); a well-typed body goes on as it came.
 */
@ControllerAdvice
class RequestFields extends RequestBodyAdviceAdapter {

    private final JsonMapper json;
    private final SpringValidatorAdapter validator;

    RequestFields(JsonMapper json, jakarta.validation.Validator validator) {
        this.json = json;
        this.validator = new SpringValidatorAdapter(validator);
    }

    @Override
    public boolean supports(MethodParameter parameter, Type targetType,
                            Class<? extends HttpMessageConverter<?>> converterType) {
        return targetType instanceof Class<?> type && type.isRecord()
                && type.getPackageName().startsWith("dev.flashsale")
                && AbstractJacksonHttpMessageConverter.class.isAssignableFrom(converterType);
    }

    @Override
    public HttpInputMessage beforeBodyRead(HttpInputMessage input, MethodParameter parameter, Type targetType,
                                           Class<? extends HttpMessageConverter<?>> converterType)
            throws IOException {
        byte[] body = input.getBody().readAllBytes();
        JsonNode tree;
        try {
            tree = json.readTree(body);
        } catch (JacksonException malformed) {
            return replay(input.getHeaders(), body);
        }
        if (!(tree instanceof ObjectNode object)) {
            return replay(input.getHeaders(), body);
        }
        Class<?> type = (Class<?>) targetType;
        Map<String, RecordComponent> components = new LinkedHashMap<>();
        for (RecordComponent component : type.getRecordComponents()) {
            components.put(component.getName(), component);
        }
        Map<String, String> wrong = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            RecordComponent component = components.get(field.getKey());
            if (component == null) {
                wrong.put(field.getKey(), "is not a field of this request");
                continue;
            }
            JavaType expected = json.constructType(component.getGenericType());
            try {
                json.treeToValue(field.getValue(), expected);
            } catch (JacksonException e) {
                wrong.put(field.getKey(), expectation(field.getValue(), component.getType()));
            }
        }
        if (wrong.isEmpty()) {
            return replay(input.getHeaders(), body);
        }
        throw invalid(parameter, type, object, wrong);
    }

    /** The well-typed fields validated, and every field's error in one exception. */
    private InvalidFields invalid(MethodParameter parameter, Class<?> type, ObjectNode object,
                                                    Map<String, String> wrong) {
        MapBindingResult result = new MapBindingResult(new LinkedHashMap<>(), parameter.getParameterName());
        wrong.forEach((field, message) -> result.addError(
                new FieldError(result.getObjectName(), field, object.get(field), false, null, null, message)));
        ObjectNode readable = object.deepCopy();
        readable.remove(wrong.keySet());
        Object target = json.treeToValue(readable, type);
        BeanPropertyBindingResult constraints = new BeanPropertyBindingResult(target, result.getObjectName());
        validator.validate(target, constraints);
        constraints.getFieldErrors().stream()
                .filter(error -> !wrong.containsKey(error.getField()))
                .forEach(result::addError);
        return new InvalidFields(result);
    }

    /** A body whose fields are wrong: answered as a failed validation is, every field named. */
    static final class InvalidFields extends RuntimeException {

        private final transient BindingResult errors;

        InvalidFields(BindingResult errors) {
            super(null, null, false, false);
            this.errors = errors;
        }

        BindingResult errors() {
            return errors;
        }
    }

    private static String expectation(JsonNode value, Class<?> type) {
        if (type == String.class) {
            return "must be a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return value.isIntegralNumber() ? "is out of range" : "must be a whole number";
        }
        if (Number.class.isAssignableFrom(type)) {
            return "must be a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "must be true or false";
        }
        if (type == java.time.Instant.class) {
            return "must be an ISO-8601 date-time, such as 2027-03-01T10:00:00Z";
        }
        return "has the wrong type";
    }

    private static HttpInputMessage replay(HttpHeaders headers, byte[] body) {
        return new HttpInputMessage() {
            @Override
            public InputStream getBody() {
                return new ByteArrayInputStream(body);
            }

            @Override
            public HttpHeaders getHeaders() {
                return headers;
            }
        };
    }
}
