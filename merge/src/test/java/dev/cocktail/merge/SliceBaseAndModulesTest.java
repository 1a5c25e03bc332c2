package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A slice's own base_model (mergekit's ConfigReader.base_model), residual_weight, and a recipe's `modules`. */
class SliceBaseAndModulesTest {
    @TempDir
    Path tmp;
    Map<String, float[]> base, a, b;

    @BeforeEach
    void models() throws IOException {
        base = TinyModels.random(1, null, 1);
        a = TinyModels.random(2, base, 0.1);
        b = TinyModels.random(3, base, 0.1);
        TinyModels.write(tmp.resolve("base"), base);
        TinyModels.write(tmp.resolve("a"), a);
        TinyModels.write(tmp.resolve("b"), b);
    }

    Map<String, float[]> merge(String yaml) throws IOException {
        Path recipe = tmp.resolve("r.yml");
        Files.writeString(recipe, yaml);
        Path out = tmp.resolve("out");
        MergekitMerge.merge(new MergekitMerge.Request(recipe, new Output(out, true, 5_000_000_000L, false), 42), Progress.NONE, "test");
        return TinyModels.read(out);
    }

    /** x + y - z, elementwise, in the order task_arithmetic adds (z + (x - z) + (y - z)). */
    static float[] sum(float[] x, float[] y, float[] z) {
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) r[i] = z[i] + ((x[i] - z[i]) + (y[i] - z[i]));
        return r;
    }

    static void near(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5, what + " [" + i + "]");
    }

    @Test
    void aSliceBaseReplacesTheRecipeBaseForItsTensors() throws IOException {
        Map<String, float[]> m = merge("""
                slices:
                  - sources:
                      - {model: base, layer_range: [0, 2]}
                      - {model: a, layer_range: [0, 2]}
                      - {model: b, layer_range: [0, 2]}
                  - sources:
                      - {model: base, layer_range: [2, 3]}
                      - {model: a, layer_range: [2, 3]}
                      - {model: b, layer_range: [2, 3]}
                    base_model: a
                    residual_weight: 0.5
                merge_method: task_arithmetic
                base_model: base
                parameters: {weight: 1}
                """);
        String first = "model.layers.0.self_attn.q_proj.weight", last = "model.layers.2.self_attn.q_proj.weight";
        near(sum(a.get(first), b.get(first), base.get(first)), m.get(first), "layer 0, base 'base'");
        near(sum(base.get(last), b.get(last), a.get(last)), m.get(last), "layer 2, base 'a'");
        // the tensors after the layers follow the last slice, its base included
        near(sum(base.get("lm_head.weight"), b.get("lm_head.weight"), a.get("lm_head.weight")), m.get("lm_head.weight"), "lm_head");
        near(sum(a.get("model.embed_tokens.weight"), b.get("model.embed_tokens.weight"), base.get("model.embed_tokens.weight")),
                m.get("model.embed_tokens.weight"), "embeddings");
    }

    @Test
    void aDefaultModuleIsTheRecipeWithItsParametersBetweenSliceAndRecipe() throws IOException {
        Map<String, float[]> m = merge("""
                modules:
                  default:
                    models:
                      - model: a
                      - model: b
                    parameters: {weight: 0.5}
                merge_method: task_arithmetic
                base_model: base
                parameters: {weight: 1}
                """);
        String t = "model.layers.1.mlp.down_proj.weight";
        float[] want = new float[base.get(t).length];
        for (int i = 0; i < want.length; i++) {
            want[i] = base.get(t)[i] + 0.5f * (a.get(t)[i] - base.get(t)[i]) + 0.5f * (b.get(t)[i] - base.get(t)[i]);
        }
        near(want, m.get(t), t);
    }

    @Test
    void refusals() throws IOException {
        String m = assertThrows(CocktailException.class, () -> merge("""
                modules:
                  vision_tower:
                    models: [{model: a}]
                merge_method: linear
                """)).getMessage();
        assertTrue(m.contains("is neither an encoder-decoder (T5: encoder, decoder, shared) nor a multi-modal model"), m);
        m = assertThrows(CocktailException.class, () -> MergekitConfig.parse("""
                modules: {default: {models: [{model: a}]}}
                models: [{model: a}]
                merge_method: linear
                """, "r.yml")).getMessage();
        assertTrue(m.contains("exactly one of 'models', 'slices' and 'modules'"), m);
        m = assertThrows(CocktailException.class, () -> MergekitConfig.parse("""
                slices:
                  - sources: [{model: a, layer_range: [0, 1]}]
                    residual_weight: lots
                merge_method: linear
                """, "r.yml")).getMessage();
        assertTrue(m.contains("residual_weight must be a number"), m);
    }
}
