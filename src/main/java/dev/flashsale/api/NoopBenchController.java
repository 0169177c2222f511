package dev.flashsale.api;

import java.util.Map;

import dev.flashsale.web.Envelope;
import io.swagger.v3.oas.annotations.Hidden;

import org.springframework.context.annotation.Profile;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The ceiling of the benchmarks (docs/PERFORMANCE.md): an endpoint that does nothing, behind the same
 * filters, servlet container and JSON as the real ones. Only with the {@code bench} profile.
 */
@RestController
@Profile("bench")
@Hidden
class NoopBenchController {

    private static final Envelope<Map<String, Object>> NOTHING = Envelope.ok(Map.of());

    @PostMapping({"/api/v1/bench/noop", "/api/v1/bench/noop/{ignored}"})
    Envelope<Map<String, Object>> noop(@RequestBody(required = false) Map<String, Object> body) {
        return NOTHING;
    }
}
