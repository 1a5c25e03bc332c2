#!/usr/bin/env bash
# Token generation of Cocktail's Llama forward pass next to llama.cpp's, on the same random
# TinyLlama-1.1B-shaped weights (BF16 and F32) as bench/prefill.sh, same threads: a prompt of PROMPT
# ids evaluated untimed, then NEW greedy tokens timed; and the memory bandwidth the machine reaches
# (StreamBench's read, copy and triad, JMH), against which each engine's GB/s of weights is set.
# With PARALLEL set (e.g. PARALLEL="1 8"), also EXAMPLES (16) prompts of 1 to 64 ids, NEW_EVAL (32) tokens
# each, decoded PARALLEL at a time (DecodeBench eval, the path of eval --generate) next to llama.cpp with
# as many sequences of one context, on the BF16 model, to bench/work/eval.jsonl.
# Usage: [DTYPES="bf16 f32"] [PARALLEL=...] bench/decode.sh [PROMPT=512] [NEW=128] [THREADS=2] [RUNS=3]   (JAVA_HOME: a JDK 25)
# Writes models and GGUFs under bench/work/ (git-ignored, ~13 GB), one JSON line per engine and dtype
# to bench/work/decode.jsonl, and prints a Markdown table for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PROMPT=${1:-512}
NEW=${2:-128}
THREADS=${3:-2}
RUNS=${4:-3}
DTYPES=${DTYPES:-bf16 f32}
source bench/setup.sh
JAVA=("${BENCH_JAVA[@]}")
: > "$WORK/decode.jsonl"
for dtype in $DTYPES; do
  model="$WORK/tinyllama-$dtype"
  bench_model tinyllama "$dtype"
  "${JAVA[@]}" dev.cocktail.bench.DecodeBench run "$model" "$PROMPT" "$NEW" "$RUNS" >> "$WORK/decode.jsonl"
  node bench/decode-llamacpp.mjs "$model.gguf" "$PROMPT" "$NEW" "$THREADS" "$RUNS" >> "$WORK/decode.jsonl"
done
: > "$WORK/eval.jsonl"
for parallel in ${PARALLEL:-}; do
  bench_model tinyllama bf16
  "${JAVA[@]}" dev.cocktail.bench.DecodeBench eval "$WORK/tinyllama-bf16" "${EXAMPLES:-16}" 64 "${NEW_EVAL:-32}" "$parallel" "$RUNS" >> "$WORK/eval.jsonl"
  node bench/eval-llamacpp.mjs "$WORK/tinyllama-bf16.gguf" "${EXAMPLES:-16}" 64 "${NEW_EVAL:-32}" "$parallel" "$THREADS" "$RUNS" >> "$WORK/eval.jsonl"
done
[ -s "$WORK/eval.jsonl" ] && cat "$WORK/eval.jsonl"
"${JAVA[@]}" -jar bench/target/benchmarks.jar StreamBench -t "$THREADS" -wi 1 -i 3 -w 2s -r 2s -rf json -rff "$WORK/stream.json" >&2
node -e '
for (const s of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))) {
  console.log(`StreamBench ${s.benchmark.split(".").pop()}: ${(s.primaryMetric.score / 1e9).toFixed(1)} GB/s (${s.threads} threads)`);
}' "$WORK/stream.json"
# a run reads the weights once per new token
work="{"
for dtype in $DTYPES; do
  work+="\"tinyllama-$dtype\": $(("$("${JAVA[@]}" dev.cocktail.bench.DecodeBench bytes "$dtype")" * NEW)), "
done
node bench/table.mjs "$WORK/decode.jsonl" "weights GB/s" "${work%, }}"
