package dev.cocktail.merge;

import java.nio.file.Path;

/**
 * Where and how a merged model is written, the same for mix, merge and extrapolate.
 *
 * @param dir the output directory
 * @param force whether an existing output directory is replaced
 * @param shardSize the largest weights file, in bytes
 * @param hashInputs whether the model card gets the sha256 of every input weights file, read in full
 */
public record Output(Path dir, boolean force, long shardSize, boolean hashInputs) {}
