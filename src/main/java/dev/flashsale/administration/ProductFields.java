package dev.flashsale.administration;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import dev.flashsale.catalog.Product;

/** A sale's definition as the audit log shows it: the fields an admin sets, by their API names. */
final class ProductFields {

    private ProductFields() {
    }

    static Map<String, Object> of(Product p) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("name", p.name());
        fields.put("description", p.description());
        fields.put("price", p.price());
        fields.put("totalQuantity", p.totalQuantity());
        fields.put("perUserLimit", p.perUserLimit());
        fields.put("saleStartAt", p.saleStartAt().toString());
        fields.put("saleEndAt", p.saleEndAt().toString());
        fields.put("perAddressLimit", p.perAddressLimit());
        fields.put("gated", p.gated());
        fields.put("powDifficulty", p.powDifficulty());
        fields.put("holdFor", p.holdFor() == null ? null : p.holdFor().toString());
        fields.put("shards", p.shards());
        return fields;
    }

    /** The fields that differ, as they were ({@code before}) and as they became ({@code after}). */
    record Change(Map<String, Object> before, Map<String, Object> after) {

        static Change between(Product was, Product is) {
            Map<String, Object> before = new LinkedHashMap<>();
            Map<String, Object> after = new LinkedHashMap<>();
            Map<String, Object> now = of(is);
            of(was).forEach((field, value) -> {
                if (!Objects.equals(value, now.get(field))) {
                    before.put(field, value);
                    after.put(field, now.get(field));
                }
            });
            return new Change(before, after);
        }
    }
}
