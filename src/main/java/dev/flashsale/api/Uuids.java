package dev.flashsale.api;

/** UUIDs as they appear in requests. */
final class Uuids {

    static final String PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

    private Uuids() {
    }
}
