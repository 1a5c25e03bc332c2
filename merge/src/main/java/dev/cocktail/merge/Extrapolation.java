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
     * @param alphas one extrapolation strength for every model, or one per model
     * @param weights one per model (null: all equal); they must sum to 1 within 1e-3
     */
    public record Request(ModelDir base, List<ModelDir> models, double[] alphas, double[] weights, DType dtype,
                          Output output) {
        public Request(ModelDir base, List<ModelDir> models, double alpha, double[] weights, DType dtype, Output output) {
            this(base, models, new double[] {alpha}, weights, dtype, output);
        }
    }

    public static void extrapolate(Request r, Progress progress, String version) {
        int k = r.models().size();
        if (k == 0) throw new CocktailException("extrapolate needs at least one fine-tuned model besides the base.");
        double[] alphas = r.alphas();
        if (alphas.length != 1 && alphas.length != k) {
            throw CocktailException.about("alpha", "got " + alphas.length + " values of alpha for " + k + " models; give one, or one per model.");
        }
        for (double a : alphas) if (!Float.isFinite((float) a)) throw CocktailException.about("alpha", "alpha must be a finite float32 number, got " + a + ".");
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
            plan(m, alphas, weights, r.dtype()).withRecipe(CocktailJson.extrapolate(r, version)).write(r.output(), progress, version);
        }
    }

    /**
     * The extrapolation of models already open (input 0 the base), with alphas and weights already
     * checked: one alpha for every model, or one per model.
     *
     * @param dtype the output dtype, or null for the first fine-tuned model's
     */
    public static MergePlan plan(OpenModels m, double[] alphas, double[] weights, DType dtype) {
        float[] a = new float[weights.length];
        for (int i = 0; i < a.length; i++) a[i] = (float) alphas[alphas.length == 1 ? 0 : i];
        DType out = dtype == null ? m.mainDtype(1) : dtype;
        List<String> roles = new ArrayList<>();
        roles.add("base");
        for (double x : weights) roles.add("extrapolated, weight " + x);
        String alpha = alphas.length == 1 ? String.valueOf(alphas[0])
                : String.join(", ", java.util.Arrays.stream(alphas).mapToObj(String::valueOf).toList()) + " (one per model)";
        List<String> settings = List.of("method: ExPO extrapolation, theta_m + alpha * (theta_m - theta_base), then sum_i w_i theta_i, F32",
                "alpha: " + alpha, "dtype: " + out.torchName());
        return new MergePlan(m, SameTensors.plan(m, 1, extrapolated(Weights.of(weights), a), dtype), m.dir(1), m.dir(1), out, 0,
                "ExPO extrapolation", roles, settings, null);
    }

    /** Input 0 is the base: each other input i becomes x_i + alpha_i (x_i - base), then acc = w_1 e_1 + w_2 e_2 + ... */
    static TensorMerge extrapolated(float[] w, float[] alphas) {
        return job -> c -> {
            for (int i = 1; i < c.in.length; i++) MergeKernels.extrapolate(c.in[i], c.in[0], alphas[i - 1], c.n);
            LinearMerge.sum(c.in, 1, w, c.out, c.n);
        };
    }
}
