package dev.flashsale.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.flashsale.ordering.PurchaseRejection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

import static org.assertj.core.api.Assertions.assertThat;

/** The codes problems are counted by: a fixed set that every code the service answers with belongs to. */
class ProblemCountsTest {

    /** A call that writes a problem, up to the first upper-case string literal in it: the code. */
    private static final Pattern CODE_IN_CALL = Pattern.compile(
            "(?:Problems\\.(?:response|of)|problems\\.write|Refused|TooManyRequests\\.response)\\((?:[^;\"]|\"[^A-Z\"][^\"]*\")*?\"([A-Z][A-Z_]+)\"");

    @Test
    void aCodeOutsideTheSetCountsAsOtherAndAddsNoSeries() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ProblemCounts counts = new ProblemCounts(meters);
        int series = meters.getMeters().size();

        counts.count("SOLD_OUT");
        counts.count("SOMETHING_NEW");
        counts.count((String) null);
        counts.count(Problems.of(HttpStatus.CONFLICT, "SOLD_OUT", "Sold out"));

        assertThat(meters.getMeters()).hasSize(series).hasSize(ProblemCounts.CODES.size() + 1);
        assertThat(meters.get("flashsale.problems").tag("code", "SOLD_OUT").counter().count()).isEqualTo(2);
        assertThat(meters.get("flashsale.problems").tag("code", "OTHER").counter().count()).isEqualTo(2);
    }

    /** Codes are constants of ErrorCodes (or PurchaseRejection's names): no problem is written with a literal one. */
    @Test
    void everyCodeTheServiceAnswersWithIsInTheSet() throws IOException {
        Set<String> literals = new LinkedHashSet<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = CODE_IN_CALL.matcher(Files.readString(source));
                while (m.find()) {
                    literals.add(source.getFileName() + ": " + m.group(1));
                }
            }
        }
        assertThat(literals).as("problem codes written as literals instead of ErrorCodes' constants").isEmpty();

        Set<String> written = new LinkedHashSet<>();
        Arrays.stream(PurchaseRejection.values()).map(Enum::name).forEach(written::add);
        IntStream.range(400, 600).mapToObj(HttpStatusCode::valueOf).forEach(status -> {
            written.add(ErrorCodes.of(status));
            written.add(ErrorCodes.refused(status));
        });
        written.add(TooManyRequests.CODE);

        assertThat(ProblemCounts.CODES).containsAll(written).doesNotHaveDuplicates()
                .contains(ErrorCodes.UNAUTHENTICATED, ErrorCodes.CHALLENGE_REQUIRED, ErrorCodes.STOCK_BELOW_SOLD,
                        ErrorCodes.STREAMS_FULL, ErrorCodes.SIGN_IN_DISABLED);
    }
}
