#!/usr/bin/env bash
# Token generation of Cocktail's Llama forward pass next to llama.cpp's, on the same random
# TinyLlama-1.1B-shaped weights (BF16 and F32) as bench/prefill.sh, same threads: a prompt of PROMPT
# ids evaluated untimed, then NEW greedy tokens timed; and the memory bandwidth the machine reaches
# (StreamBench's read, copy and triad, JMH), against which each engine's GB/s of weights is set.
# With PARALLEL set (e.g. PARALLEL="1 8"), also EXAMPLES (16) prompts of 1 to 64 ids, NEW_EVAL (32) tokens
# each, decoded PARALLEL at a time (DecodeBench eval, the path of eval --generate) next to llama.cpp with
# as many sequences of one context, on the BF16 model, to bench/work/eval.jsonl.
# CACHE says in what state each engine finds its model's page cache when it loads, one table per word:
#   cached: as it is (the default);
#   cold:   each engine's model file evicted right before it loads, so its own loader fills the cache and
#           the page size it gets (4 KB or 2 MB folios) is its own doing (a later `cached` run then finds
#           what its own loader left);
#   read:   evicted, then filled by reading the file (as after a copy or a download): folios the loader
#           did not choose.
# While each engine runs, its mapping of its model file is sampled from /proc/PID/smaps: resident, 2 MB
# (PMD)-mapped, and the process's anonymous huge pages, printed after the tables.
# PAIRED=1 loads both engines side by side and alternates their runs (warm-up included; ours first in
# even rounds, llama.cpp first in odd ones), one engine running at a time, so that each pair of runs
# meets the same moment of the machine; the table then also gives each pair's ratio. Both models are
# then in the page cache together (F32: 8.8 GB).
# Usage: [DTYPES="bf16 f32"] [CACHE="cold cached"] [STREAM=0] [PAIRED=1] [PARALLEL=...] bench/decode.sh [PROMPT=512]
#   [NEW=128] [THREADS=2] [RUNS=3]   (JAVA_HOME: a JDK 25; STREAM=0 leaves StreamBench out, DTYPES= runs it
#   alone; BENCH_JAR: another build's bench jar)
# Writes models and GGUFs under bench/work/ (git-ignored, ~13 GB), one JSON line per engine and dtype to
# bench/work/decode-CACHE.jsonl, and prints Markdown tables for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PROMPT=${1:-512}
NEW=${2:-128}
THREADS=${3:-2}
RUNS=${4:-3}
DTYPES=${DTYPES-bf16 f32}
source bench/setup.sh
CACHE=${CACHE-cached}
JAVA=("${BENCH_JAVA[@]}")
# drops a file's clean page-cache pages (posix_fadvise DONTNEED: no privilege needed; pages some process
# still maps stay)
evict() { for f; do dd if="$f" iflag=nocache count=0 status=none; done; }
# CACHE-MODE FILE: puts the file's page cache in that state, and says how much of it is cached
prepare() {
  local mode=$1; shift
  case $mode in
    cached) ;;
    cold) evict "$@" ;;
    read) evict "$@"; cat "$@" > /dev/null ;;
    *) echo "bench/decode.sh: CACHE takes cached, cold or read, not '$mode'" >&2; exit 2 ;;
  esac
  if command -v fincore > /dev/null; then fincore -b -n -o RES,SIZE,FILE "$@" | sed "s/^/page cache ($mode): /" >&2; fi
}
# LABEL FILE OUT CMD...: runs CMD (its stdout to OUT), sampling its mapping of FILE every 2 s, and prints the
# last sample: how much of the file was resident, how much of that mapped by 2 MB entries, and the
# process's anonymous huge pages
paged() {
  local label=$1 file out=$3 pid last="" s
  file=$(readlink -f "$2")
  shift 3
  "$@" < "${IN:-/dev/null}" >> "$out" &
  pid=$!
  while kill -0 "$pid" 2> /dev/null; do
    s=$(awk -v f="$file" '
      /^[0-9a-f]+-[0-9a-f]+ / { mine = ($6 == f); next }
      mine && $1 == "Rss:" { rss += $2 }
      mine && $1 == "FilePmdMapped:" { pmd += $2 }
      $1 == "AnonHugePages:" { anon += $2 }
      END { if (rss > 0) printf "model file resident %d MB, of which 2 MB-mapped %d MB (%.0f%%); anonymous huge pages %d MB",
              rss / 1024, pmd / 1024, 100 * pmd / rss, anon / 1024 }' "/proc/$pid/smaps" 2> /dev/null) || true
    [ -n "$s" ] && last=$s
    sleep 2
  done
  wait "$pid"
  echo "$label: ${last:-no sample}"
}
# MODE DTYPE: both engines loaded at once, paced (see PAIRED), their JSON lines to decode-MODE.jsonl; FIFOs carry the
# cues to each engine and its "run R: ..." lines back
paired() {
  local mode=$1 dtype=$2 model="$WORK/tinyllama-$2" fifos r line
  fifos=$(mktemp -d)
  mkfifo "$fifos"/{ours,peer}.{in,out}
  prepare "$mode" "$model/model.safetensors" "$model.gguf"
  IN="$fifos/ours.in" paged "cocktail tinyllama-$dtype, $mode" "$model/model.safetensors" "$fifos/ours.out" \
    "${JAVA[@]}" dev.cocktail.bench.DecodeBench run "$model" "$PROMPT" "$NEW" "$RUNS" paced > "$fifos/ours.pages" &
  IN="$fifos/peer.in" paged "llama.cpp tinyllama-$dtype.gguf, $mode" "$model.gguf" "$fifos/peer.out" \
    node bench/decode-llamacpp.mjs "$model.gguf" "$PROMPT" "$NEW" "$THREADS" "$RUNS" paced > "$fifos/peer.pages" &
  exec 5> "$fifos/ours.in" 6< "$fifos/ours.out" 7> "$fifos/peer.in" 8< "$fifos/peer.out"
  for ((r = -1; r < RUNS; r++)); do
    for side in $( ((r % 2 == 0)) && echo "5:6 7:8" || echo "7:8 5:6"); do
      echo go >&"${side%:*}"
      read -r line <&"${side#*:}" || { echo "bench/decode.sh: an engine stopped before run $r" >&2; exit 1; }
    done
  done
  exec 5>&- 7>&-
  grep '^{' <&6 >> "$WORK/decode-$mode.jsonl" || true
  grep '^{' <&8 >> "$WORK/decode-$mode.jsonl" || true
  exec 6<&- 8<&-
  wait
  pages+=("$(cat "$fifos/ours.pages")" "$(cat "$fifos/peer.pages")")
  rm -r "$fifos"
}
pages=()
for mode in $CACHE; do
  : > "$WORK/decode-$mode.jsonl"
  for dtype in $DTYPES; do
    model="$WORK/tinyllama-$dtype"
    bench_model tinyllama "$dtype"
    if [ -n "${PAIRED:-}" ]; then
      paired "$mode" "$dtype"
      continue
    fi
    prepare "$mode" "$model/model.safetensors"
    pages+=("$(paged "cocktail tinyllama-$dtype, $mode" "$model/model.safetensors" "$WORK/decode-$mode.jsonl" \
      "${JAVA[@]}" dev.cocktail.bench.DecodeBench run "$model" "$PROMPT" "$NEW" "$RUNS")")
    prepare "$mode" "$model.gguf"
    pages+=("$(paged "llama.cpp tinyllama-$dtype.gguf, $mode" "$model.gguf" "$WORK/decode-$mode.jsonl" \
      node bench/decode-llamacpp.mjs "$model.gguf" "$PROMPT" "$NEW" "$THREADS" "$RUNS")")
  done
done
: > "$WORK/eval.jsonl"
for parallel in ${PARALLEL:-}; do
  bench_model tinyllama bf16
  "${JAVA[@]}" dev.cocktail.bench.DecodeBench eval "$WORK/tinyllama-bf16" "${EXAMPLES:-16}" 64 "${NEW_EVAL:-32}" "$parallel" "$RUNS" >> "$WORK/eval.jsonl"
  node bench/eval-llamacpp.mjs "$WORK/tinyllama-bf16.gguf" "${EXAMPLES:-16}" 64 "${NEW_EVAL:-32}" "$parallel" "$THREADS" "$RUNS" >> "$WORK/eval.jsonl"
done
[ -s "$WORK/eval.jsonl" ] && cat "$WORK/eval.jsonl"
if [ "${STREAM:-1}" != 0 ]; then
  "${JAVA[@]}" -jar "${BENCH_JAR:-bench/target/benchmarks.jar}" StreamBench -t "$THREADS" -wi 1 -i 3 -w 2s -r 2s -rf json -rff "$WORK/stream.json" >&2
  node -e '
  for (const s of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))) {
    console.log(`StreamBench ${s.benchmark.split(".").pop()}: ${(s.primaryMetric.score / 1e9).toFixed(1)} GB/s (${s.threads} threads)`);
  }' "$WORK/stream.json"
fi
# a run reads the weights once per new token
work="{"
for dtype in $DTYPES; do
  work+="\"tinyllama-$dtype\": $(("$("${JAVA[@]}" dev.cocktail.bench.DecodeBench bytes "$dtype")" * NEW)), "
done
for mode in $CACHE; do
  echo
  echo "Page cache: $mode"
  echo
  node bench/table.mjs "$WORK/decode-$mode.jsonl" "weights GB/s" "${work%, }}"
done
echo
printf '%s\n' "${pages[@]}"
