package dev.cocktail.merge;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import java.util.List;

/**
 * A merge worked out before anything is written: the open inputs, one tensor operation per output
 * tensor in write order, where config.json and the tokenizer come from, and what the model card
 * says. LM-Cocktail mixing, extrapolation and mergekit recipes each produce one; write() runs it.
 *
 * @param layers   the output's num_hidden_layers, or 0 to keep the config's
 * @param method   the card's name for what was done
 * @param roles    one card line per input, in the inputs' order
 * @param settings further card lines
 * @param seed     the seed of the random methods, or null when nothing is random
 * @param recipe   the file that redoes the merge, and the card's tags
 * @param vocabSize the output's vocab_size, or 0 to keep the config's
 * @param chatTemplate the output's chat template, or null to keep the tokenizer's
 */
public record MergePlan(OpenModels inputs, List<PlannedTensor> tensors, ModelDir configFrom, ModelDir tokenizerFrom,
                        DType dtype, int layers, String method, List<String> roles, List<String> settings, Long seed,
                        Recipe recipe, int vocabSize, String chatTemplate) {

    /** A plan that nobody writes as a user's output (a search's candidate): no recipe file, no vocabulary or template change. */
    public MergePlan(OpenModels inputs, List<PlannedTensor> tensors, ModelDir configFrom, ModelDir tokenizerFrom,
                     DType dtype, int layers, String method, List<String> roles, List<String> settings, Long seed) {
        this(inputs, tensors, configFrom, tokenizerFrom, dtype, layers, method, roles, settings, seed, null, 0, null);
    }

    /** The same plan, written with the file that redoes it. */
    public MergePlan withRecipe(Recipe recipe) {
        return new MergePlan(inputs, tensors, configFrom, tokenizerFrom, dtype, layers, method, roles, settings, seed, recipe,
                vocabSize, chatTemplate);
    }

    /** The same plan with one more line in the card's settings. */
    public MergePlan withSetting(String line) {
        List<String> more = new java.util.ArrayList<>(settings);
        more.add(line);
        return new MergePlan(inputs, tensors, configFrom, tokenizerFrom, dtype, layers, method, roles, more, seed, recipe,
                vocabSize, chatTemplate);
    }

    /** Writes the merged model: its weights streamed through the driver, then config, tokenizer and card. */
    public void write(Output output, Progress progress, String version) {
        ModelFiles files = new ModelFiles(configFrom, tokenizerFrom, dtype, layers,
                new ModelCard(method, inputs, roles, settings, seed, version, recipe), vocabSize, chatTemplate, null);
        try {
            MergeDriver.run(new MergeJob(tensors, files, output, inputs.folders(), seed == null ? 0 : seed, inputs::lora), progress);
        } catch (RuntimeException | Error e) {
            inputs.checkUnchanged(e); // a truncated input fails a read in some thread, without its name
            throw e;
        }
    }

    /**
     * Computes every output tensor as write() does and hands its bytes to `sink` instead of a model
     * directory: nothing is written (a benchmark of the merge's own work, without the output's I/O).
     */
    public void stream(TensorSink sink, Progress progress) {
        MergeDriver.stream(new MergeJob(tensors, null, null, inputs.folders(), seed == null ? 0 : seed, inputs::lora), progress, sink);
    }
}
