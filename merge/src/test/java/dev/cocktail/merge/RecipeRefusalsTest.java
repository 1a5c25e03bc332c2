package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipes that YAML or mergekit would read some way, refused with a sentence instead of merged with a surprise (issue 20). */
class RecipeRefusalsTest {
    static final String WHERE = "r.yml";

    static String refused(String yaml) {
        return assertThrows(CocktailException.class, () -> MergekitConfig.parse(yaml, WHERE)).getMessage();
    }

    @Test
    void duplicateKeys() {
        String m = refused("""
                models: [{model: a, parameters: {weight: 1, weight: 2}}]
                merge_method: linear
                """);
        assertTrue(m.contains("Duplicate field 'weight'"), m);
        m = refused("""
                models: [{model: a, parameters: {weight: 1}}]
                merge_method: linear
                merge_method: ties
                """);
        assertTrue(m.contains("Duplicate field 'merge_method'"), m);
    }

    /** Jackson reads `*w` as the string "w": the merge said "must be a number, got 'w'". */
    @Test
    void aliases() {
        String m = refused("""
                defaults: &w 0.5
                models: [{model: a, parameters: {weight: *w}}]
                merge_method: linear
                """);
        assertTrue(m.contains("line 2 uses the YAML alias *w"), m);
    }

    @Test
    void densityOutsideZeroToOne() {
        for (String d : new String[] {"-0.5", "1.5", "[0.5, -1]", "[{filter: mlp, value: -0.1}]"}) {
            String m = refused("models: [{model: a, parameters: {weight: 1, density: " + d + "}}]\nbase_model: b\nmerge_method: ties\n");
            assertTrue(m.contains("'density' must be between 0 and 1"), m);
        }
    }

    @Test
    void nonFiniteNumbers() {
        for (String v : new String[] {"1e999", "-1e999", "[1, 1e999]"}) {
            String m = refused("models: [{model: a, parameters: {weight: " + v + "}}]\nmerge_method: linear\n");
            assertTrue(m.contains("must be a finite number"), v + ": " + m);
        }
        for (String v : new String[] {".nan", ".inf", "-.inf"}) { // Jackson's YAML reader refuses these itself
            String m = refused("models: [{model: a, parameters: {weight: " + v + "}}]\nmerge_method: linear\n");
            assertTrue(m.contains("is not valid YAML"), v + ": " + m);
        }
    }

    @Test
    void fractionalLayerRange() {
        String m = refused("""
                slices:
                  - sources:
                      - {model: a, layer_range: [0, 1.5]}
                merge_method: passthrough
                """);
        assertTrue(m.contains("layer_range must be [first, end)"), m);
    }

    @Test
    void endlessOrNonUtf8Files(@TempDir Path tmp) throws IOException {
        String m = assertThrows(CocktailException.class, () -> MergekitConfig.read(Path.of("/dev/zero"))).getMessage();
        assertTrue(m.contains("/dev/zero: is over 1 MB"), m);
        Path latin1 = Files.write(tmp.resolve("r.yml"), new byte[] {'m', ':', ' ', (byte) 0xe9, '\n'});
        m = assertThrows(CocktailException.class, () -> MergekitConfig.read(latin1)).getMessage();
        assertTrue(m.contains("r.yml: is not valid UTF-8"), m);
    }
}
