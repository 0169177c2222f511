package dev.flashsale.support.output;

import java.nio.file.Path;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Holds the test JVM's output back while its tests pass ({@link TestOutputCapture}), when the
 * system property {@code flashsale.test.logs} is {@code captured} (the build sets it; an IDE's run
 * leaves it unset and shows everything). Registered with the JUnit Platform through
 * {@code META-INF/services}. Report entries that tests publish ({@code TestReporter}) are printed
 * either way: they are the measurements a drill reports.
 */
public final class TestOutputListener implements TestExecutionListener {

    /** The property's values: hold the output back, or let it through as it comes. */
    static final String CAPTURED = "captured";
    static final String CONSOLE = "console";

    /** Bytes of output held for one test at most (the file keeps all). */
    static final int LIMIT = 4 * 1024 * 1024;

    private static volatile @Nullable TestOutputCapture capture;

    /** The capture in place in this JVM, or null when the output goes to the console as it comes. */
    public static @Nullable TestOutputCapture capture() {
        return capture;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        String mode = System.getProperty("flashsale.test.logs", CONSOLE);
        if (!mode.equals(CAPTURED)) {
            if (!mode.equals(CONSOLE)) {
                System.out.println("[test output] flashsale.test.logs=" + mode + " is neither " + CAPTURED
                        + " nor " + CONSOLE + ": the tests' output goes to the console as it comes");
            }
            return;
        }
        synchronized (TestOutputListener.class) {
            if (capture != null) {
                return; // a second test plan in the same JVM: the capture is in place already
            }
            String file = System.getProperty("flashsale.test.logs.file");
            TestOutputCapture installed = new TestOutputCapture(System.out, file == null ? null : Path.of(file), LIMIT);
            installed.install();
            capture = installed;
            installed.report("[test output] held back while the tests pass, shown for a test that fails"
                    + (file == null ? "" : "; all of it in " + file) + " (-Dflashsale.test.logs=console shows it as it comes)");
        }
    }

    // Nothing happens at the end of the plan: what the JVM writes while it shuts down (the cached
    // application contexts closing) still goes to the file, and to no test.

    @Override
    public void executionStarted(TestIdentifier testIdentifier) {
        TestOutputCapture current = capture;
        if (current != null) {
            current.started(nameOf(testIdentifier));
        }
    }

    @Override
    public void executionFinished(TestIdentifier testIdentifier, TestExecutionResult result) {
        TestOutputCapture current = capture;
        if (current != null) {
            current.finished(nameOf(testIdentifier), result.getStatus().name(),
                    result.getStatus() == TestExecutionResult.Status.FAILED);
        }
    }

    @Override
    public void reportingEntryPublished(TestIdentifier testIdentifier, ReportEntry entry) {
        for (Map.Entry<String, String> pair : entry.getKeyValuePairs().entrySet()) {
            String line = "  " + (pair.getKey().equals("value") ? "" : pair.getKey() + ": ") + pair.getValue();
            TestOutputCapture current = capture;
            if (current != null) {
                current.report(line);
            } else {
                System.out.println(line);
            }
        }
    }

    /** "SaleWindowTest > aSaleThatHasEndedRefuses()", "ErrorAnswersTest > aPage... [2] /api/...", "SaleWindowTest". */
    static String nameOf(TestIdentifier identifier) {
        String display = identifier.getDisplayName();
        TestSource source = identifier.getSource().orElse(null);
        if (source instanceof MethodSource method) {
            String test = display.startsWith(method.getMethodName()) ? display : method.getMethodName() + " " + display;
            return simpleName(method.getClassName()) + " > " + test;
        }
        if (source instanceof ClassSource type) {
            return simpleName(type.getClassName());
        }
        return display;
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
