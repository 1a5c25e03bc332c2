package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

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
        return job -> c -> extrapolatedSum(c.in, w, alphas, c.out, c.n);
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * out = sum_i w_i (x_i + alpha_i (x_i - b)) with b = in[0] and x_i = in[i], in one pass over the
     * inputs: each x_i extrapolated as x + (x - b) alpha, then weighted and summed in input order, with
     * no fused multiply-add, the bits the earlier three passes (extrapolate, scale, add) gave.
     */
    static void extrapolatedSum(float[][] in, float[] w, float[] alphas, float[] out, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector b = FloatVector.fromArray(F, in[0], i);
            FloatVector x = FloatVector.fromArray(F, in[1], i);
            FloatVector acc = x.add(x.sub(b).mul(alphas[0])).mul(w[0]);
            for (int m = 2; m < in.length; m++) {
                x = FloatVector.fromArray(F, in[m], i);
                acc = acc.add(x.add(x.sub(b).mul(alphas[m - 1])).mul(w[m - 1]));
            }
            acc.intoArray(out, i);
        }
        for (; i < n; i++) {
            float b = in[0][i], x = in[1][i], acc = w[0] * (x + alphas[0] * (x - b));
            for (int m = 2; m < in.length; m++) {
                x = in[m][i];
                acc = acc + w[m - 1] * (x + alphas[m - 1] * (x - b));
            }
            out[i] = acc;
        }
    }
}
