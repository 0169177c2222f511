package dev.flashsale.web;

import java.beans.PropertyEditorSupport;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Path and query parameters are read as sent. A UUID is its 36 characters: Spring's own conversion
 * trims the text first (and falls back to an editor that trims when a stricter converter refuses),
 * so {@code <uuid>%00} or {@code <uuid>%20} named the product, where the API says such a value is no
 * UUID: a 400, as for any other malformed id.
 */
@ControllerAdvice
class StrictParameters {

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    @InitBinder
    void strictUuids(WebDataBinder binder) {
        binder.registerCustomEditor(UUID.class, new PropertyEditorSupport() {
            @Override
            public void setAsText(String text) {
                if (text == null || text.isEmpty()) {
                    setValue(null); // no value: a required parameter is then reported missing
                } else if (UUID_TEXT.matcher(text).matches()) {
                    setValue(UUID.fromString(text));
                } else {
                    throw new IllegalArgumentException("not a UUID");
                }
            }
        });
    }
}
