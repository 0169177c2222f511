package dev.flashsale.web;

/** The seed's success envelope: {@code {"success": true, "data": {...}}}. */
public record Envelope<T>(boolean success, T data) {

    public static <T> Envelope<T> ok(T data) {
        return new Envelope<>(true, data);
    }
}
