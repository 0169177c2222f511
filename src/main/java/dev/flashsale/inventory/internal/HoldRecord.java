package dev.flashsale.inventory.internal;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A hold as Redis keeps it, one field of the sale's holds hash per order awaiting payment:
 * {@code user:quantity:unit,unit[:address]}. A user id has no colon; the client address, which
 * may (IPv6), comes last. {@code settle-hold.lua} reads it.
 */
public final class HoldRecord {

    private HoldRecord() {
    }

    /** The record of a hold; {@code address} null or empty when the order recorded none. */
    public static String of(String userId, int quantity, List<Integer> units, String address) {
        String record = userId + ":" + quantity + ":" + units.stream().map(String::valueOf).collect(Collectors.joining(","));
        return address == null || address.isEmpty() ? record : record + ":" + address;
    }

    /** The user a record holds units for. */
    public static String user(String record) {
        return record.substring(0, record.indexOf(':'));
    }
}
