package dev.flashsale.inventory;

import java.util.List;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/** The Lua scripts of the hot path, loaded once from {@code src/main/resources/scripts}. */
final class SaleScripts {

    @SuppressWarnings("rawtypes")
    static final RedisScript<List> RESERVE = script("reserve.lua", List.class);
    static final RedisScript<Long> RELEASE = script("release.lua", Long.class);
    static final RedisScript<Long> PRIME = script("prime.lua", Long.class);
    @SuppressWarnings("rawtypes")
    static final RedisScript<List> CHANGE_STOCK = script("change-stock.lua", List.class);
    static final RedisScript<Long> DEFINE_SALE = script("define-sale.lua", Long.class);
    @SuppressWarnings("rawtypes")
    static final RedisScript<List> REPAIR = script("repair.lua", List.class);

    private SaleScripts() {
    }

    private static <T> RedisScript<T> script(String name, Class<T> type) {
        return RedisScript.of(new ClassPathResource("scripts/" + name), type);
    }
}
