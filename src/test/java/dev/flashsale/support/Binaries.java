package dev.flashsale.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

/**
 * The machine's programs that some tests run (Debian's haproxy, pgbouncer): from a variable naming
 * the binary, the PATH, or /usr/sbin. Without one, the calling test is skipped, and reported as
 * skipped, except where its kind of test is required (a variable set to {@code required}, as in
 * .ci/run): there it fails.
 */
final class Binaries {

    private Binaries() {
    }

    /**
     * @param name     the program, also its Debian package
     * @param path     the variable that may name the binary (HAPROXY_PATH)
     * @param required the variable that makes these tests required (FLASHSALE_EDGE_TESTS)
     * @param kind     what the tests are, for the message ("edge proxy tests")
     */
    static Path find(String name, String path, String required, String kind) {
        String configured = System.getenv(path);
        List<Path> candidates = new ArrayList<>();
        if (configured != null) {
            candidates.add(Path.of(configured));
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, name));
                }
            }
            candidates.add(Path.of("/usr/sbin", name));
        }
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String why = "no " + name + " at " + (configured != null ? configured : "the PATH or /usr/sbin")
                + " (apt-get install " + name + ", or set " + path + ")";
        if ("required".equals(System.getenv(required))) {
            throw new IllegalStateException(kind + " are required here, but " + why);
        }
        Assumptions.abort(kind + " skipped: " + why);
        return null;
    }

    /** The reason {@code find} would skip the tests, or null when it finds the binary (or fails). */
    static String missing(Supplier<Path> find) {
        try {
            find.get();
            return null;
        } catch (TestAbortedException skipped) {
            return skipped.getMessage();
        }
    }
}
