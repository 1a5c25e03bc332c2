#!/usr/bin/env bash
# Token generation of Cocktail's Llama forward pass next to llama.cpp's, on the same random
# TinyLlama-1.1B-shaped weights (BF16 and F32) as bench/prefill.sh, same threads: a prompt of PROMPT
# ids evaluated untimed, then NEW greedy tokens timed; and the memory bandwidth the machine reaches
# (StreamBench's read, copy and triad, JMH), against which each engine's GB/s of weights is set.
# Usage: [DTYPES="bf16 f32"] bench/decode.sh [PROMPT=512] [NEW=128] [THREADS=2] [RUNS=3]   (JAVA_HOME must point at a JDK 25)
# Writes models and GGUFs under bench/work/ (git-ignored, ~13 GB), one JSON line per engine and dtype
# to bench/work/decode.jsonl, and prints a Markdown table for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PROMPT=${1:-512}
NEW=${2:-128}
THREADS=${3:-2}
RUNS=${4:-3}
DTYPES=${DTYPES:-bf16 f32}
WORK=bench/work
mkdir -p "$WORK"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -ntp -Pbench -pl bench -am -DskipTests package
[ -d "$WORK/node_modules/node-llama-cpp" ] || (cd "$WORK" && npm install --omit=optional node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1)
JAVA=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -XX:ActiveProcessorCount="$THREADS" -Xmx6g -cp bench/target/benchmarks.jar)
: > "$WORK/decode.jsonl"
for dtype in $DTYPES; do
  model="$WORK/tinyllama-$dtype"
  [ -f "$model/model.safetensors" ] || "${JAVA[@]}" dev.cocktail.bench.PrefillBench model "$model" "$dtype"
  [ -f "$model.gguf" ] || "${JAVA[@]}" dev.cocktail.bench.PrefillBench gguf "$model" "$model.gguf"
  "${JAVA[@]}" dev.cocktail.bench.DecodeBench run "$model" "$PROMPT" "$NEW" "$RUNS" >> "$WORK/decode.jsonl"
  node bench/decode-llamacpp.mjs "$model.gguf" "$PROMPT" "$NEW" "$THREADS" "$RUNS" >> "$WORK/decode.jsonl"
done
"${JAVA[@]}" -jar bench/target/benchmarks.jar StreamBench -t "$THREADS" -wi 1 -i 3 -w 2s -r 2s -rf json -rff "$WORK/stream.json" >&2
node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const stream = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const bytes = JSON.parse(process.argv[4]);
for (const s of stream) console.log(`StreamBench ${s.benchmark.split(".").pop()}: ${(s.primaryMetric.score / 1e9).toFixed(1)} GB/s (${s.threads} threads)`);
console.log("| dtype | engine | runs (s) | median (s) | tokens/s | weights GB/s | Cocktail / llama.cpp |");
console.log("|---|---|---|---:|---:|---:|---:|");
for (const dtype of process.argv[3].split(" ")) {
  const ours = lines.find(l => l.engine === "cocktail" && l.model.includes(dtype));
  const peer = lines.find(l => l.engine === "llama.cpp" && l.model.includes(dtype));
  for (const l of [ours, peer]) {
    const ratio = l === ours ? (ours.tokens_per_s / peer.tokens_per_s).toFixed(2) + "x" : "1.00x";
    console.log(`| ${dtype.toUpperCase()} | ${l.engine} | ${l.seconds.map(s => s.toFixed(2)).join(", ")} | ${l.median_s.toFixed(2)} | ${l.tokens_per_s.toFixed(1)} | ${(bytes[dtype] * l.tokens_per_s / 1e9).toFixed(1)} | ${ratio} |`);
  }
}' "$WORK/decode.jsonl" "$WORK/stream.json" "$DTYPES" "{\"bf16\": $("${JAVA[@]}" dev.cocktail.bench.DecodeBench bytes bf16), \"f32\": $("${JAVA[@]}" dev.cocktail.bench.DecodeBench bytes f32)}"
