package dev.cocktail.merge;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The modules of a multi-module model, by the names mergekit's architecture files give them, each
 * owning the weights whose names start with one of its prefixes: T5's encoder, decoder and shared
 * (t5.json), and the LLaVA layout of multi-modal models (mistral3.json, gemma3vl.json, ...):
 * text_decoder, vision_tower and multi_modal_projector, in transformers 4's names (language_model.*)
 * and transformers 5's (model.language_model.*, lm_head).
 */
record ModuleLayout(String kind, Map<String, List<String>> prefixes) {

    static final ModuleLayout T5 = of("an encoder-decoder (T5)", new String[][] {
            {"encoder", "encoder."}, {"decoder", "decoder."}, {"shared", "shared.", "lm_head."}});
    static final ModuleLayout LLAVA = of("a multi-modal model (LLaVA layout)", new String[][] {
            {"text_decoder", "language_model.", "model.language_model.", "lm_head."},
            {"vision_tower", "vision_tower.", "model.vision_tower."},
            {"multi_modal_projector", "multi_modal_projector.", "model.multi_modal_projector."}});

    /** Each row: a module's name, then its prefixes. */
    private static ModuleLayout of(String kind, String[][] rows) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String[] row : rows) m.put(row[0], List.of(row).subList(1, row.length));
        return new ModuleLayout(kind, m);
    }

    /**
     * The layout of the model whose weights `reference` holds, checked: every weight belongs to a
     * module, and the recipe gives every module and no other.
     *
     * @param modules the recipe's module names
     */
    static ModuleLayout of(Checkpoint reference, Set<String> modules, String where) {
        ModuleLayout layout = null;
        for (ModuleLayout l : List.of(T5, LLAVA)) {
            if (reference.tensors().stream().map(Tensor::name).anyMatch(n -> l.ownerOf(n) != null && !l.ownerOf(n).equals(l.textModule()))) {
                layout = l;
            }
        }
        if (layout == null) {
            throw new CocktailException(where + ": 'modules' names " + String.join(", ", modules) + ", but " + reference.where()
                    + " is neither an encoder-decoder (T5: encoder, decoder, shared) nor a multi-modal model of the LLaVA layout "
                    + "(text_decoder, vision_tower, multi_modal_projector); other models take one module, 'default', or models/slices.");
        }
        List<String> missing = new ArrayList<>(layout.prefixes.keySet()), unknown = new ArrayList<>(modules);
        missing.removeAll(modules);
        unknown.removeAll(layout.prefixes.keySet());
        if (!unknown.isEmpty() || !missing.isEmpty()) {
            throw new CocktailException(where + ": " + reference.where() + " is " + layout.kind + ", whose modules are "
                    + String.join(", ", layout.prefixes.keySet()) + "; "
                    + (unknown.isEmpty() ? "" : "there is no module " + String.join(", ", unknown) + (missing.isEmpty() ? "" : ", and "))
                    + (missing.isEmpty() ? "" : "the recipe does not merge " + String.join(", ", missing)
                            + " (mergekit leaves a module out of the output, which then does not load)") + ".");
        }
        for (Tensor t : reference.tensors()) {
            if (layout.ownerOf(t.name()) == null) {
                throw new CocktailException(where + ": " + reference.where() + " has '" + t.name() + "', which belongs to none of "
                        + layout.kind + "'s modules (" + String.join(", ", layout.prefixes.keySet()) + ").");
            }
        }
        return layout;
    }

    /** The module weights of this name belong to, or null. */
    String ownerOf(String tensor) {
        for (var e : prefixes.entrySet()) for (String p : e.getValue()) if (tensor.startsWith(p)) return e.getKey();
        return null;
    }

    /** The module whose lm_head prefix any decoder-only model would also match (LLaVA's), so that it does not decide the layout. */
    private String textModule() {
        return prefixes.keySet().stream().filter(m -> prefixes.get(m).contains("lm_head.")).findFirst().orElse("");
    }
}
