#!/usr/bin/env bash
# Checks that each GGUF bench/prefill.sh writes is the model Cocktail runs: on a 2-layer miniature of
# each shape (PrefillShape's tiny-*), the last token's logits of Cocktail's forward pass and of
# llama.cpp on the same weights, after a prompt of TOKENS random ids.
# Usage: [SHAPES="tinyllama qwen3-1.7b gemma2-2b"] [DTYPES="bf16 f32"] bench/check-logits.sh [TOKENS=64]
# Prints one JSON line per shape and dtype (bench/logits-llamacpp.mjs); the files go under bench/work/check/.
set -euo pipefail
cd "$(dirname "$0")/.."
TOKENS=${1:-64}
THREADS=2
source bench/setup.sh
for shape in ${SHAPES:-tinyllama qwen3-1.7b gemma2-2b}; do
  for dtype in ${DTYPES:-bf16 f32}; do
    model="$WORK/check/tiny-$shape-$dtype"
    rm -rf "$model" "$model.gguf"
    bench_model "tiny-$shape" "$dtype" "$model"
    "${BENCH_JAVA[@]}" dev.cocktail.bench.PrefillBench logits "$model" "$TOKENS" > "$model.json"
    node bench/logits-llamacpp.mjs "$model.gguf" "$model.json"
  done
done
