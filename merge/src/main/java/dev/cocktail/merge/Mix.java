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
     * @param models the models, the first one giving config and tokenizer
     * @param weights one per model, in F32 as scoring gives them and as the sum uses them; they must sum
     *                to 1 within 1e-3 unless allowUnnormalized
     * @param finetuned the fine-tuned model of the two-step recipe, or null
     * @param alpha its share in the two-step recipe
     * @param dtype the output dtype, or null for the first model's
     * @param scores how the weights were scored, recorded in cocktail.json, or null when they were given
     */
    public record Request(List<ModelDir> models, float[] weights, boolean allowUnnormalized, ModelDir finetuned,
                          double alpha, DType dtype, Output output, Scores scores) {
        /** Weights given, not scored. */
        public Request(List<ModelDir> models, float[] weights, boolean allowUnnormalized, ModelDir finetuned,
                       double alpha, DType dtype, Output output) {
            this(models, weights, allowUnnormalized, finetuned, alpha, dtype, output, null);
        }
    }

    /** Each model's loss on the few-shot examples, and the temperature of the softmax that made them weights. */
    public record Scores(double[] losses, double temperature) {}

    public static void mix(Request r, Progress progress, String version) {
        try (OpenModels m = OpenModels.open(inputs(r.models(), r.finetuned()))) {
            mix(r, m, progress, version);
        }
    }

    /** What a mix reads, in the order its plan takes them: the models, then the fine-tuned one if any. */
    public static List<ModelDir> inputs(List<ModelDir> models, ModelDir finetuned) {
        List<ModelDir> inputs = new ArrayList<>(models);
        if (finetuned != null) inputs.add(finetuned);
        return inputs;
    }

    /** The mix of inputs the caller has opened already (as inputs(r.models(), r.finetuned()) lists them). */
    public static void mix(Request r, OpenModels m, Progress progress, String version) {
        if (r.models().isEmpty()) throw new CocktailException("mix needs at least one model.");
        if (!m.paths().equals(inputs(r.models(), r.finetuned()).stream().map(ModelDir::path).toList())) {
            throw new IllegalArgumentException("the open models are not the mix's inputs");
        }
        float[] w = Weights.checked(r.weights(), r.models().size(), r.allowUnnormalized(), "; fix them or " + Weights.ALLOW);
        if (r.finetuned() != null && !(r.alpha() >= 0 && r.alpha() <= 1)) {
            throw CocktailException.about("alpha", "alpha must be between 0 and 1 for the two-step recipe, got " + r.alpha() + ".");
        }
        plan(m, w, r.finetuned() != null, r.alpha(), r.dtype()).withRecipe(CocktailJson.mix(r, w, version)).write(r.output(), progress, version);
    }

    /**
     * The mix of models already open, with weights already checked: the first w.length inputs are
     * summed; with twoStep, the last input is the fine-tuned model of the two-step recipe.
     *
     * @param dtype the output dtype, or null for the first model's
     */
    public static MergePlan plan(OpenModels m, float[] w, boolean twoStep, double alpha, DType dtype) {
        TensorMerge merge = twoStep ? twoStep(w, (float) alpha) : weightedSum(w);
        DType out = dtype == null ? m.mainDtype(0) : dtype;
        List<String> roles = new ArrayList<>();
        for (float x : w) roles.add("weight " + (double) x);
        if (twoStep) roles.add("fine-tuned model, alpha " + alpha);
        List<String> settings = new ArrayList<>();
        settings.add("method: LM-Cocktail weighted average, sum_i w_i * model_i, F32");
        if (twoStep) settings.add("two-step: alpha * finetuned + (1 - alpha) * cocktail, alpha " + alpha);
        settings.add("dtype: " + out.torchName());
        return new MergePlan(m, SameTensors.plan(m, 0, merge, dtype), m.dir(0), m.dir(0), out, 0,
                twoStep ? "LM-Cocktail two-step mix" : "LM-Cocktail mix", roles, settings, null);
    }

    /** acc = w0*x0; acc = acc + w_i*x_i, in model order. */
    static TensorMerge weightedSum(float[] w) {
        return job -> c -> LinearMerge.sum(c.in, w, c.out, c.n);
    }

    /** The cocktail of the first w.length inputs, then alpha * last input + (1 - alpha) * cocktail. */
    static TensorMerge twoStep(float[] w, float alpha) {
        float rest = (float) (1.0 - alpha);
        return job -> c -> {
            float[] cocktail = c.tmp(0);
            LinearMerge.sum(c.in, w, cocktail, c.n);
            MergeKernels.scale(c.in[w.length], alpha, c.out, c.n);
            MergeKernels.addScaled(c.out, rest, cocktail, c.n);
        };
    }
}
