#!/usr/bin/env bash
# Prefill throughput of Cocktail's Llama-style forward pass next to llama.cpp's prompt processing, on
# the same random weights of each shape (PrefillShape: tinyllama, qwen3-1.7b, gemma2-2b) and dtype,
# same prompt length, same threads. bench/check-logits.sh checks that the GGUFs are the same models.
# Usage: [SHAPES="tinyllama qwen3-1.7b gemma2-2b"] [DTYPES="bf16 f32"] bench/prefill.sh [TOKENS=512] [THREADS=2] [RUNS=3]
# (JAVA_HOME must point at a JDK 25; SHAPES defaults to tinyllama, DTYPES to "bf16 f32".)
# Writes models and GGUFs under bench/work/ (git-ignored; per BF16 model and its GGUF: tinyllama 4.4 GB,
# qwen3-1.7b 6.9 GB, gemma2-2b 10.5 GB; F32 twice that), one JSON line per engine, shape and dtype to
# bench/work/prefill.jsonl, and prints a Markdown table for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
TOKENS=${1:-512}
THREADS=${2:-2}
RUNS=${3:-3}
SHAPES=${SHAPES:-tinyllama}
DTYPES=${DTYPES:-bf16 f32}
source bench/setup.sh
JAVA=("${BENCH_JAVA[@]}" dev.cocktail.bench.PrefillBench)
: > "$WORK/prefill.jsonl"
work="{"
for shape in $SHAPES; do
  flops=$("${JAVA[@]}" flops "$shape" "$TOKENS")
  for dtype in $DTYPES; do
    bench_model "$shape" "$dtype"
    "${JAVA[@]}" run "$shape" "$WORK/$shape-$dtype" "$TOKENS" "$RUNS" >> "$WORK/prefill.jsonl"
    node bench/prefill-llamacpp.mjs "$WORK/$shape-$dtype.gguf" "$TOKENS" "$THREADS" "$RUNS" >> "$WORK/prefill.jsonl"
    work+="\"$shape-$dtype\": $flops, "
  done
done
node bench/table.mjs "$WORK/prefill.jsonl" "GFLOP/s" "${work%, }}"
