package dev.flashsale;

import org.junit.jupiter.api.Test;

import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

/** The module boundaries hold (no cycles, no reaching into another module's internals). */
class ModuleStructureTest {

    private final ApplicationModules modules = ApplicationModules.of(FlashSaleApplication.class);

    @Test
    void theModulesDependOnEachOtherOnlyThroughTheirPublicApisAndWithoutCycles() {
        modules.verify();
    }

    @Test
    void writesTheModuleDiagrams() {
        new Documenter(modules, "target/modulith-docs").writeModulesAsPlantUml().writeIndividualModulesAsPlantUml();
    }
}
