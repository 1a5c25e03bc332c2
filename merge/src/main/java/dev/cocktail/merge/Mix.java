package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import java.util.ArrayList;
import java.util.List;

/**
 * LM-Cocktail's merge (arXiv 2311.13534): out[k] = sum_i w_i * model_i[k] for every floating
 * tensor, in F32 with F32 weights and in model order (acc = w0*x0; acc = acc + w_i*x_i), as the
 * reference's merge_param does; integer tensors come from the first model (the reference takes the
 * last one's). With a fine-tuned model and alpha, the paper's two-step recipe:
 * out = alpha * finetuned + (1 - alpha) * cocktail, where the cocktail stays F32 in between.
 */
public final class Mix {
    private Mix() {}

    /**
     * @param models model directories or cached repo ids, the first one giving config and tokenizer
     * @param weights one per model; they must sum to 1 within 1e-3 unless allowUnnormalized
     * @param finetuned the fine-tuned model of the two-step recipe, or null
     * @param alpha its share in the two-step recipe
     * @param dtype the output dtype, or null for the first model's
     */
    public record Request(List<String> models, double[] weights, boolean allowUnnormalized, String finetuned,
                          double alpha, DType dtype, Output output) {}

    public static void mix(Request r, Progress progress, String version) {
        if (r.models().isEmpty()) throw new CocktailException("mix needs at least one model.");
        if (r.weights().length != r.models().size()) {
            throw new CocktailException("got " + r.weights().length + " weights for " + r.models().size() + " models; give one weight per model.");
        }
        float[] w = finite(r.weights());
        double sum = 0;
        for (double x : r.weights()) sum += x;
        if (!r.allowUnnormalized() && Math.abs(sum - 1) > 1e-3) {
            throw new CocktailException("the weights sum to " + sum + ", not 1; fix them or pass --allow-unnormalized.");
        }
        if (r.finetuned() != null && !(r.alpha() >= 0 && r.alpha() <= 1)) {
            throw new CocktailException("--alpha must be between 0 and 1 for the two-step recipe, got " + r.alpha() + ".");
        }
        List<String> names = new ArrayList<>(r.models());
        if (r.finetuned() != null) names.add(r.finetuned());
        TensorMerge merge = r.finetuned() == null ? weightedSum(w) : twoStep(w, (float) r.alpha());
        try (OpenModels m = OpenModels.open(names)) {
            DType dtype = r.dtype() == null ? m.mainDtype(0) : r.dtype();
            List<PlannedTensor> plan = MergePlan.sameTensors(m, 0, merge, r.dtype());
            List<String> roles = new ArrayList<>();
            for (double x : r.weights()) roles.add("weight " + x);
            if (r.finetuned() != null) roles.add("fine-tuned model, alpha " + r.alpha());
            List<String> settings = new ArrayList<>();
            settings.add("method: LM-Cocktail weighted average, sum_i w_i * model_i, F32");
            if (r.finetuned() != null) settings.add("two-step: alpha * finetuned + (1 - alpha) * cocktail, alpha " + r.alpha());
            settings.add("dtype: " + dtype.torchName());
            ModelDir first = m.dir(0);
            ModelFiles files = new ModelFiles(first, first, dtype, 0,
                    new ModelCard(r.finetuned() == null ? "LM-Cocktail mix" : "LM-Cocktail two-step mix",
                            m, roles, settings, null, version));
            MergeDriver.run(new MergeJob(plan, files, r.output(), m.paths(), 0), progress);
        }
    }

    /** The weights in float32, each checked to be a number there (NaN passed the sum check; 1e39 is infinite in float32). */
    static float[] finite(double[] weights) {
        float[] w = new float[weights.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) weights[i];
            if (!Float.isFinite(w[i])) throw new CocktailException("weight " + (i + 1) + " is " + weights[i] + ", not a finite float32 number.");
        }
        return w;
    }

    /** acc = w0*x0; acc = acc + w_i*x_i, in model order. */
    static TensorMerge weightedSum(float[] w) {
        return job -> c -> sum(c, w, c.out);
    }

    /** The cocktail of the first w.length inputs, then alpha * last input + (1 - alpha) * cocktail. */
    static TensorMerge twoStep(float[] w, float alpha) {
        float rest = (float) (1.0 - alpha);
        return job -> c -> {
            float[] cocktail = c.tmp(0);
            sum(c, w, cocktail);
            MergeKernels.scale(c.in[w.length], alpha, c.out, c.n);
            MergeKernels.addScaled(c.out, rest, cocktail, c.n);
        };
    }

    private static void sum(Chunk c, float[] w, float[] acc) {
        MergeKernels.scale(c.in[0], w[0], acc, c.n);
        for (int i = 1; i < w.length; i++) MergeKernels.addScaled(acc, w[i], c.in[i], c.n);
    }
}
