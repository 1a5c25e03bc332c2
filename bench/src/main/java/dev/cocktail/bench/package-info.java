/**
 * JMH benchmarks (built with -Pbench) against peers run in the same process or on the same machine:
 * ONNX Runtime, the Rust tokenizers through DJL, llama.cpp; their figures go to bench/RESULTS.md.
 */
package dev.cocktail.bench;
