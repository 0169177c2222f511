package dev.flashsale.support.output;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The test-output capture: a passing test's output stays off the console (and is kept in the run's
 * file), a failing test's is printed with what came before it; its memory is bounded. The first
 * three drive a capture of their own with a stand-in console; the last checks the build's.
 */
@ExtendWith(OutputCaptureExtension.class)
class TestOutputCaptureTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @Test
    void aPassingTestsOutputStaysOffTheConsoleAndGoesToTheFile() throws IOException {
        Path file = dir.resolve("output.log");
        TestOutputCapture capture = new TestOutputCapture(new PrintStream(console, true, UTF_8), file, 4096);
        PrintStream out = capture.stream();

        capture.started("A > passes()");
        out.println("ERROR a deliberate outage");
        capture.finished("A > passes()", "SUCCESSFUL", false);

        assertThat(console.toString(UTF_8)).isEmpty();
        assertThat(capture.held()).isEmpty();
        assertThat(Files.readString(file)).containsSubsequence(
                "started A > passes()", "ERROR a deliberate outage", "SUCCESSFUL A > passes()");
    }

    @Test
    void aFailingTestsOutputIsPrintedWithWhatCameSinceThePreviousTestEnded() {
        TestOutputCapture capture = new TestOutputCapture(new PrintStream(console, true, UTF_8), null, 4096);
        PrintStream out = capture.stream();

        capture.started("A > passes()");
        out.println("from the test that passes");
        capture.finished("A > passes()", "SUCCESSFUL", false);
        out.println("between two tests: a context starting, a background job");
        capture.started("B > fails()");
        out.println("from the test that fails");
        capture.finished("B > fails()", "FAILED", true);

        assertThat(console.toString(UTF_8))
                .containsSubsequence("output of B > fails() (FAILED)", "between two tests", "from the test that fails",
                        "end of the output of B > fails()")
                .doesNotContain("from the test that passes");
        assertThat(capture.held()).isEmpty();
    }

    @Test
    void aTestsHeldOutputIsItsMostRecentWholeLinesWithinTheLimit() {
        TestOutputCapture capture = new TestOutputCapture(new PrintStream(console, true, UTF_8), null, 4096);
        PrintStream out = capture.stream();

        capture.started("C > logsALot()");
        for (int i = 1; i <= 2000; i++) {
            out.println("line " + i);
            assertThat(capture.held().length()).isLessThanOrEqualTo(4096);
        }
        capture.finished("C > logsALot()", "FAILED", true);

        String printed = console.toString(UTF_8);
        assertThat(printed).contains("bytes of earlier output left out").contains("line 2000\n").doesNotContain("line 1\n");
        String firstHeld = printed.lines().dropWhile(line -> !line.startsWith("(")).skip(1).findFirst().orElseThrow();
        assertThat(firstHeld).matches("line \\d+");
    }

    @Test
    void whatATestLogsIsHeldBackAndOutputCaptureStillSeesIt(CapturedOutput output) {
        TestOutputCapture installed = TestOutputListener.capture();
        assumeTrue(installed != null, "the output is not captured in this run (-Dflashsale.test.logs=console, or an IDE)");
        String line = "a line held back " + UUID.randomUUID();

        LoggerFactory.getLogger(TestOutputCaptureTest.class).warn(line);

        assertThat(installed.held()).as("held for this test, not printed").contains(line);
        assertThat(output.getAll()).as("Spring Boot's OutputCapture, in front of the capture").contains(line);
    }
}
