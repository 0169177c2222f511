package dev.flashsale.support.output;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * The test JVM's standard output and error, held back while the tests pass: what is written to
 * {@code System.out} or {@code System.err} (the application's log lines, a test's own prints, the
 * output an application process leaves behind) goes to the run's output file and to a buffer, and
 * reaches the console only when the test it belongs to fails.
 *
 * <p>A test's output is everything written since the previous test or test class ended: the
 * application context started for its class, a {@code @BeforeAll}, a background job between two
 * tests. The buffer keeps the most recent {@code limit} bytes (whole lines); the file keeps all.
 *
 * <p>Thread-safety: output comes from any thread and the test events from the engine's; one lock
 * (this object) keeps them in order. Writes to the console happen under it, and nothing that writes
 * to the console calls back into this object, so the lock order is always this, then the console.
 */
public final class TestOutputCapture {

    private final PrintStream console;
    private final @Nullable Path filePath;
    private @Nullable OutputStream file;
    private final int limit;

    private byte[] recent = new byte[8192];
    private int length;
    private long droppedBytes;

    private @Nullable PrintStream replacedOut;
    private @Nullable PrintStream replacedErr;

    /**
     * @param console where a failing test's output is printed
     * @param file the output file of the whole run (created or emptied), or null for none
     * @param limit bytes of output held for one test at most
     */
    public TestOutputCapture(PrintStream console, @Nullable Path file, int limit) {
        if (limit < 1024) {
            throw new IllegalArgumentException("limit must be at least 1024 bytes: " + limit);
        }
        this.console = console;
        this.filePath = file;
        this.limit = limit;
        if (file != null) {
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                this.file = Files.newOutputStream(file);
            } catch (IOException e) {
                console.println("[test output] cannot write " + file + " (" + e + "): the output is only held in memory");
            }
        }
    }

    /** A stream that writes here: what {@link #install()} puts in place of System.out and System.err. */
    public PrintStream stream() {
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                written(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                written(b, off, len);
            }
        }, true, charset(console));
    }

    /** Takes the place of System.out and System.err. */
    public synchronized void install() {
        replacedOut = System.out;
        replacedErr = System.err;
        System.setOut(stream());
        System.setErr(stream());
    }

    /** Gives System.out and System.err back (what {@link #install()} found). */
    public synchronized void uninstall() {
        if (replacedOut != null && replacedErr != null) {
            System.setOut(replacedOut);
            System.setErr(replacedErr);
            replacedOut = null;
            replacedErr = null;
        }
    }

    public synchronized void started(String name) {
        mark("started " + name);
    }

    /**
     * The end of a test or test class. If it failed, the output held for it goes to the console
     * between two marker lines; either way the buffer starts afresh.
     */
    public synchronized void finished(String name, String outcome, boolean failed) {
        mark(outcome + " " + name);
        if (failed) {
            console.println();
            console.println("---------- output of " + name + " (" + outcome + "), since the test before it ended ----------");
            if (droppedBytes > 0) {
                console.printf("(%,d bytes of earlier output left out%s)%n", droppedBytes,
                        filePath == null ? "" : "; all of it is in " + filePath);
            }
            console.write(recent, 0, length);
            if (length > 0 && recent[length - 1] != '\n') {
                console.println();
            }
            console.println("---------- end of the output of " + name + " ----------");
            console.flush();
        }
        length = 0;
        droppedBytes = 0;
    }

    /** A line for the console whatever the tests' outcome (a drill's measurement, say), also kept in the file. */
    public synchronized void report(String line) {
        console.println(line);
        console.flush();
        toFile((line + "\n").getBytes(charset(console)));
    }

    /** The output held for the current test, as text. */
    public synchronized String held() {
        return new String(recent, 0, length, charset(console));
    }

    public @Nullable Path file() {
        return filePath;
    }

    private synchronized void written(byte[] b, int off, int len) {
        toFile(b, off, len);
        hold(b, off, len);
    }

    private void hold(byte[] b, int off, int len) {
        if (len > limit) {
            droppedBytes += len - limit;
            off += len - limit;
            len = limit;
        }
        if (length + len > limit) {
            // make room for half the limit, not just this write, so that this copying stays rare;
            // and cut at a line's start
            int drop = Math.min(length, length + len - limit / 2);
            while (drop < length && recent[drop - 1] != '\n') {
                drop++;
            }
            System.arraycopy(recent, drop, recent, 0, length - drop);
            length -= drop;
            droppedBytes += drop;
        }
        if (length + len > recent.length) {
            byte[] larger = new byte[Math.min(limit, Math.max(recent.length * 2, length + len))];
            System.arraycopy(recent, 0, larger, 0, length);
            recent = larger;
        }
        System.arraycopy(b, off, recent, length, len);
        length += len;
    }

    private void mark(String event) {
        toFile(("---------- " + event + " ----------\n").getBytes(StandardCharsets.UTF_8));
    }

    private void toFile(byte[] b) {
        toFile(b, 0, b.length);
    }

    private void toFile(byte[] b, int off, int len) {
        if (file == null) {
            return;
        }
        try {
            file.write(b, off, len);
        } catch (IOException e) {
            file = null;
            console.println("[test output] cannot write " + filePath + " any more (" + e + ")");
        }
    }

    private static Charset charset(PrintStream stream) {
        return stream.charset();
    }
}
