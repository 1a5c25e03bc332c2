/**
 * Jazzer fuzz tests of every parser of untrusted input (safetensors headers, config.json,
 * tokenizer.json, examples, mergekit YAML): each input ends in a result or a clear error,
 * never a hang, an over-allocation or another exception. The corpus is kept in test resources.
 */
package dev.cocktail.fuzz;
