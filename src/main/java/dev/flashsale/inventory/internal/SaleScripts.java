package dev.flashsale.inventory.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Lua scripts of the hot path, read once from {@code src/main/resources/scripts}. They are held
 * as text, not as resources: a script built on a resource looks up the resource's last-modified
 * time on every call (to reload it), which cost ~7 % of the purchase path's Java time in the
 * profile of benchmark D.
 */
public final class SaleScripts {

    @SuppressWarnings("rawtypes")
    public static final RedisScript<List> RESERVE = script("reserve.lua", List.class);
    @SuppressWarnings("rawtypes")
    public static final RedisScript<List> LEND = script("lend.lua", List.class);
    public static final RedisScript<Long> RELEASE = script("release.lua", Long.class);
    public static final RedisScript<Long> CONFIRM = script("confirm.lua", Long.class);
    public static final RedisScript<Long> HOLD = script("hold.lua", Long.class);
    public static final RedisScript<Long> SETTLE_HOLD = script("settle-hold.lua", Long.class);
    public static final RedisScript<Long> PRIME = script("prime.lua", Long.class);
    @SuppressWarnings("rawtypes")
    public static final RedisScript<List> CHANGE_STOCK = script("change-stock.lua", List.class);
    public static final RedisScript<Long> DEFINE_SALE = script("define-sale.lua", Long.class);
    @SuppressWarnings("rawtypes")
    public static final RedisScript<List> REPAIR = script("repair.lua", List.class);
    @SuppressWarnings("rawtypes")
    public static final RedisScript<List> STATE = script("state.lua", List.class);

    private SaleScripts() {
    }

    private static <T> RedisScript<T> script(String name, Class<T> type) {
        try {
            return RedisScript.of(new ClassPathResource("scripts/" + name).getContentAsString(StandardCharsets.UTF_8), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script " + name, e);
        }
    }
}
