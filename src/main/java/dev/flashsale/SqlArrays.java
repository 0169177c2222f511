package dev.flashsale;

import java.util.Collection;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The one way values travel to PostgreSQL as arrays: a Java {@code String[]} or {@code int[]}
 * parameter, which the driver binds as {@code text[]} or {@code int4[]}, cast in the SQL to the
 * column's type ({@code ?::text[]::uuid[]}, {@code ?::int[]}). Never an array literal built as
 * text: the driver quotes, so no value can break out of its element.
 */
public final class SqlArrays {

    private SqlArrays() {
    }

    public static String[] text(Collection<String> values) {
        return values.toArray(String[]::new);
    }

    public static <T> String[] text(Collection<T> values, Function<? super T, String> text) {
        return values.stream().map(text).toArray(String[]::new);
    }

    public static int[] ints(Collection<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    public static <T> int[] ints(Collection<T> values, ToIntFunction<? super T> number) {
        return values.stream().mapToInt(number).toArray();
    }
}
