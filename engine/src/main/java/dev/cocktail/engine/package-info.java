/**
 * What every other module stands on: tensors and their dtypes, safetensors read (memory-mapped)
 * and written (sharded), model directories and the table of architectures, output directories
 * written whole or not at all, progress, and the one exception type for bad input.
 * <p>
 * Words: a <b>checkpoint</b> is a model's weights (one safetensors file or an index of shards); a
 * <b>tensor</b> is a named, typed, shaped view into a mapped file; an <b>architecture</b> is one row
 * of the table that says what a config.json's model_type is (its <b>family</b>) and which
 * <b>forward pass</b> runs it.
 */
package dev.cocktail.engine;
