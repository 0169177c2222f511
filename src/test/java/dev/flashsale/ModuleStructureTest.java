package dev.flashsale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module boundaries hold (no cycles, no reaching into another module's internals), and the
 * module diagrams committed under docs/modules are the ones the code gives.
 */
class ModuleStructureTest {

    private static final Path GENERATED = Path.of("target/modulith-docs");
    private static final Path COMMITTED = Path.of("docs/modules");

    private final ApplicationModules modules = ApplicationModules.of(FlashSaleApplication.class);

    @Test
    void theModulesDependOnEachOtherOnlyThroughTheirPublicApisAndWithoutCycles() {
        modules.verify();
    }

    /** Regenerates them into target/modulith-docs; after a change of boundaries, copy them to docs/modules. */
    @Test
    void theCommittedModuleDiagramsAreCurrent() throws IOException {
        new Documenter(modules, Documenter.Options.defaults().withOutputFolder(GENERATED.toString()))
                .writeModulesAsPlantUml()
                .writeIndividualModulesAsPlantUml()
                .writeModuleCanvases();
        List<String> stale = new ArrayList<>();
        try (Stream<Path> files = Files.list(GENERATED)) {
            for (Path generated : files.sorted().toList()) {
                Path committed = COMMITTED.resolve(generated.getFileName());
                if (!Files.exists(committed) || !lines(committed).equals(lines(generated))) {
                    stale.add(generated.getFileName().toString());
                }
            }
        }
        assertThat(stale).as("diagrams that differ from docs/modules (cp target/modulith-docs/* docs/modules/)")
                .isEmpty();
    }

    /** A diagram's lines, sorted: the Documenter lists elements and relations in no fixed order. */
    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file).stream().sorted().toList();
    }
}
