package dev.cocktail.merge;

import dev.cocktail.engine.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A merge ready to run: the output tensors in write order, the files that go with them, and where
 * the model goes. The inputs' checkpoints are open (the plan points into their maps) until the caller closes them.
 *
 * @param lora what a LoRA adapter makes of an input tensor, or null for an input read as it is
 */
public record MergeJob(List<PlannedTensor> plan, ModelFiles files, Output output, List<Path> inputs, long seed,
                       Function<Tensor, LoraInput> lora) {

    public MergeJob(List<PlannedTensor> plan, ModelFiles files, Output output, List<Path> inputs, long seed) {
        this(plan, files, output, inputs, seed, t -> null);
    }
}
