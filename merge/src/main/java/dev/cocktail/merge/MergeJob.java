package dev.cocktail.merge;

import java.nio.file.Path;
import java.util.List;

/**
 * A merge ready to run: the output tensors in write order, the files that go with them, and where
 * the model goes. The inputs' checkpoints are open (the plan points into their maps) until the caller closes them.
 */
public record MergeJob(List<PlannedTensor> plan, ModelFiles files, Output output, List<Path> inputs, long seed) {}
