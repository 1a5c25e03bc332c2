#!/usr/bin/env bash
# Prefill throughput of Cocktail's Llama forward pass next to llama.cpp's prompt processing, on the
# same random TinyLlama-1.1B-shaped weights (BF16 and F32), same prompt length, same threads.
# Usage: [DTYPES="bf16 f32"] bench/prefill.sh [TOKENS=512] [THREADS=2] [RUNS=3]   (JAVA_HOME must point at a JDK 25)
# Writes models and GGUFs under bench/work/ (git-ignored, ~13 GB), one JSON line per engine and dtype
# to bench/work/prefill.jsonl, and prints a Markdown table for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
TOKENS=${1:-512}
THREADS=${2:-2}
RUNS=${3:-3}
DTYPES=${DTYPES:-bf16 f32}
source bench/setup.sh
JAVA=("${BENCH_JAVA[@]}" dev.cocktail.bench.PrefillBench)
: > "$WORK/prefill.jsonl"
for dtype in $DTYPES; do
  model="$WORK/tinyllama-$dtype"
  tinyllama "$dtype"
  "${JAVA[@]}" run "$model" "$TOKENS" "$RUNS" >> "$WORK/prefill.jsonl"
  node bench/prefill-llamacpp.mjs "$model.gguf" "$TOKENS" "$THREADS" "$RUNS" >> "$WORK/prefill.jsonl"
done
flops=$("${JAVA[@]}" flops "$TOKENS")
node bench/table.mjs "$WORK/prefill.jsonl" "$DTYPES" "GFLOP/s" "{\"bf16\": $flops, \"f32\": $flops}"
