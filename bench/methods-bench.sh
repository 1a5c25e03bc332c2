#!/usr/bin/env bash
# CPU throughput of every merge method: the three TinyLlama-shaped BF16 models of bench/merge-bench.sh
# (generated there, reused here) merged by each method into tmpfs (/dev/shm), so the disk's write is
# out of the time; the inputs are read once untimed first, so they come from the page cache. Prints one
# row per method: wall seconds, GB of input per second, and per core (divided by THREADS).
# Usage: bench/methods-bench.sh [THREADS=2] [METHOD...]   (after bench/merge-bench.sh has generated the models;
# with METHODs, only those rows run, so that each run stays short)
set -euo pipefail
THREADS=${1:-2}
ONLY=" ${*:2} "
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${MERGE_WORK:-$ROOT/bench/work/merge}
M0=$WORK/model-0; M1=$WORK/model-1; M2=$WORK/model-2
[[ -f $M2/model.safetensors ]] || { echo "bench/methods-bench.sh: run bench/merge-bench.sh first (it writes $WORK)" >&2; exit 1; }
OUT=/dev/shm/cocktail-methods-out
BYTES=$(stat -c %s "$M0/model.safetensors")
cat "$M0/model.safetensors" "$M1/model.safetensors" "$M2/model.safetensors" > /dev/null
recipe() { # METHOD GLOBAL PER_MODEL KIND: base2 (base + one), base3 (base + two), plain2, plain3
  local per=${3//=/: }
  echo "merge_method: $1"
  echo "dtype: bfloat16"
  [[ -n $2 ]] && echo "parameters: {${2//=/: }}"
  [[ $4 == base* ]] && echo "base_model: $M0"
  echo "models:"
  [[ $4 == plain* ]] && { echo "  - model: $M0"; [[ -n $per ]] && echo "    parameters: {${per//,/, }}"; }
  echo "  - model: $M1"; [[ -n $per ]] && echo "    parameters: {${per//,/, }}"
  if [[ $4 == *3 ]]; then echo "  - model: $M2"; [[ -n $per ]] && echo "    parameters: {${per//,/, }}"; fi
  return 0
}
printf '| method | inputs | wall (s) | input GB/s | per core |\n|---|---:|---:|---:|---:|\n'
while read -r method global per inputs; do  # inputs: the recipe's kind
  [[ $ONLY == "  " || $ONLY == *" $method "* ]] || continue
  [[ $global == - ]] && global=
  [[ $per == - ]] && per=
  recipe "$method" "$global" "$per" "$inputs" > "$WORK/method.yml"
  n=${inputs: -1}
  rm -rf "$OUT"
  t0=$(date +%s.%N)
  taskset -c "$(seq -s, 0 $((THREADS - 1)))" "$ROOT/bin/cocktail" --threads "$THREADS" merge "$WORK/method.yml" --output "$OUT" >/dev/null 2>"$WORK/method.err" \
    || { echo "| $method | failed: $(head -c 200 "$WORK/method.err") |"; continue; }
  t1=$(date +%s.%N)
  rm -rf "$OUT"
  awk -v m="$method" -v n="$n" -v b="$BYTES" -v t="$(echo "$t1 - $t0" | bc -l)" -v c="$THREADS" \
    'BEGIN { gbs = n * b / t / 1e9; printf "| %s | %d | %.2f | %.2f | %.2f |\n", m, n, t, gbs, gbs / c }'
done <<'METHODS'
linear - weight=0.3 plain3
task_arithmetic - weight=0.5 base3
ties - weight=0.5,density=0.5 base3
dare_ties - weight=0.5,density=0.5 base3
dare_linear - weight=0.5,density=0.5 base3
breadcrumbs - weight=0.5,density=0.5 base3
breadcrumbs_ties - weight=0.5,density=0.5 base3
della - weight=0.5,density=0.5 base3
della_linear - weight=0.5,density=0.5 base3
slerp t=0.5 - base2
nuslerp - weight=0.5 plain2
multislerp - weight=0.3 plain3
model_stock - - base3
karcher - - plain3
sce select_topk=0.5 - base3
nearswap t=0.5 - base2
arcee_fusion - - base2
ram - - base3
ramplus_tl - - base3
METHODS
