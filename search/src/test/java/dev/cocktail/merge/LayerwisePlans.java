package dev.cocktail.merge;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merge plans over already-open inputs, built with the merge package's own pieces (the weighted
 * sum of mix, extrapolate's step, a mergekit method over every tensor), for the evaluator's tests.
 */
public final class LayerwisePlans {
    private LayerwisePlans() {}

    /** LM-Cocktail's weighted sum, as mix writes it. */
    public static MergePlan mix(OpenModels m, float[] w, DType dtype) {
        return plan(m, 0, Mix.weightedSum(w), dtype, "LM-Cocktail mix", null);
    }

    /** LM-Cocktail's two-step recipe: the cocktail of the first inputs, then alpha of the last one. */
    public static MergePlan twoStep(OpenModels m, float[] w, float alpha, DType dtype) {
        return plan(m, 0, Mix.twoStep(w, alpha), dtype, "LM-Cocktail two-step mix", null);
    }

    /** ExPO: input 0 the base, the others extrapolated by alpha and summed with weights w. */
    public static MergePlan extrapolate(OpenModels m, float[] w, float alpha, DType dtype) {
        float[] alphas = new float[w.length];
        java.util.Arrays.fill(alphas, alpha);
        return plan(m, 1, Extrapolation.extrapolated(w, alphas), dtype, "ExPO extrapolation", null);
    }

    /**
     * A mergekit method over every tensor; input 0 is the base when the method uses one, `weights`
     * (and `densities`, when not null) one per other input, `globals` over the method's defaults.
     */
    public static MergePlan mergekit(OpenModels m, String method, Map<String, Object> globals, double[] weights, double[] densities,
                                     String perModelName, long seed) {
        Method meth = Method.named(method, "test");
        Map<String, Object> g = new HashMap<>();
        for (Method.Param p : meth.globals) if (p.defaultValue() != null) g.put(p.name(), p.defaultValue());
        g.putAll(globals);
        List<Map<String, Object>> per = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            Map<String, Object> v = new LinkedHashMap<>();
            for (Method.Param p : meth.perModel) if (p.defaultValue() != null) v.put(p.name(), p.defaultValue());
            if (perModelName != null) v.put(perModelName, weights[i]);
            if (densities != null) v.put("density", densities[i]);
            per.add(v);
        }
        boolean withBase = meth.usesBase();
        return plan(m, 0, meth.build(g, per, withBase), null, "mergekit " + method, seed);
    }

    private static MergePlan plan(OpenModels m, int ref, TensorMerge merge, DType dtype, String method, Long seed) {
        DType out = dtype == null ? m.mainDtype(ref) : dtype;
        List<String> roles = java.util.Collections.nCopies(m.size(), "input");
        // the tokenizer only lets the written candidate be scored: the fixtures' fine-tuned models have none
        ModelDir tokenizer = m.dir(ref).hasTokenizer() ? m.dir(ref) : m.dir(0);
        return new MergePlan(m, SameTensors.plan(m, ref, merge, dtype), m.dir(ref), tokenizer, out, 0, method, roles, List.of(), seed);
    }
}
