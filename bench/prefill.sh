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
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const flops = Number(process.argv[2]);
console.log("| dtype | engine | runs (s) | median (s) | tokens/s | GFLOP/s | Cocktail / llama.cpp |");
console.log("|---|---|---|---:|---:|---:|---:|");
for (const dtype of process.argv[3].split(" ")) {
  const ours = lines.find(l => l.engine === "cocktail" && l.model.includes(dtype));
  const peer = lines.find(l => l.engine === "llama.cpp" && l.model.includes(dtype));
  for (const l of [ours, peer]) {
    const ratio = l === ours ? (ours.tokens_per_s / peer.tokens_per_s).toFixed(2) + "x" : "1.00x";
    console.log(`| ${dtype.toUpperCase()} | ${l.engine} | ${l.seconds.map(s => s.toFixed(1)).join(", ")} | ${l.median_s.toFixed(2)} | ${l.tokens_per_s.toFixed(1)} | ${(flops / l.median_s / 1e9).toFixed(1)} | ${ratio} |`);
  }
}' "$WORK/prefill.jsonl" "$("${JAVA[@]}" flops "$TOKENS")" "$DTYPES"
