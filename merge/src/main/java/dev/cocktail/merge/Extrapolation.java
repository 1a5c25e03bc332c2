package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import java.util.ArrayList;
import java.util.List;

/**
 * ExPO (arXiv 2404.16792): theta = theta_m + alpha * (theta_m - theta_base), in F32. With several
 * models (Extrapolation Merging, arXiv 2503.04834) each is extrapolated from the same base, then
 * the extrapolated models are summed by weights, in model order as LM-Cocktail sums.
 */
public final class Extrapolation {
    private Extrapolation() {}

    public static final double DEFAULT_ALPHA = 0.3;

    /**
     * @param base the model the others were fine-tuned from
     * @param models the fine-tuned models; the first gives config and tokenizer
     * @param weights one per model (null: all equal); they must sum to 1 within 1e-3
     */
    public record Request(ModelDir base, List<ModelDir> models, double alpha, double[] weights, DType dtype,
                          Output output) {}

    public static void extrapolate(Request r, Progress progress, String version) {
        int k = r.models().size();
        if (k == 0) throw new CocktailException("extrapolate needs at least one fine-tuned model besides the base.");
        if (!Float.isFinite((float) r.alpha())) throw CocktailException.about("alpha", "alpha must be a finite float32 number, got " + r.alpha() + ".");
        double[] weights = r.weights();
        if (weights == null) {
            weights = new double[k];
            java.util.Arrays.fill(weights, 1.0 / k);
        }
        float[] w = Weights.checked(Weights.of(weights), k, false, "");
        List<ModelDir> inputs = new ArrayList<>();
        inputs.add(r.base());
        inputs.addAll(r.models());
        try (OpenModels m = OpenModels.open(inputs)) {
            DType dtype = r.dtype() == null ? m.mainDtype(1) : r.dtype();
            List<String> roles = new ArrayList<>();
            roles.add("base");
            for (double x : weights) roles.add("extrapolated, weight " + x);
            List<String> settings = List.of("method: ExPO extrapolation, theta_m + alpha * (theta_m - theta_base), then sum_i w_i theta_i, F32",
                    "alpha: " + r.alpha(), "dtype: " + dtype.torchName());
            new MergePlan(m, SameTensors.plan(m, 1, extrapolated(w, (float) r.alpha()), r.dtype()), m.dir(1), m.dir(1), dtype, 0,
                    "ExPO extrapolation", roles, settings, null, CocktailJson.extrapolate(r, w, version)).write(r.output(), progress, version);
        }
    }

    /** Input 0 is the base: each other input i becomes x_i + alpha (x_i - base), then acc = w_1 e_1 + w_2 e_2 + ... */
    static TensorMerge extrapolated(float[] w, float alpha) {
        return job -> c -> {
            for (int i = 1; i < c.in.length; i++) MergeKernels.extrapolate(c.in[i], c.in[0], alpha, c.n);
            LinearMerge.sum(c.in, 1, w, c.out, c.n);
        };
    }
}
