#!/usr/bin/env bash
# Search against the naive loop as issue 26 defines it, both through bin/cocktail as a user runs them:
#   search: `cocktail --verbose search BASE FT1 FT2 --space exme --strategy cmaes --budget N --seed 42
#           --data sort.jsonl --data count.jsonl --json --output DIR` (one process; its wall time and
#           peak RSS, and each candidate's time from its --verbose lines);
#   naive:  for candidates FIRST..LAST of that search's table, the command the table gives for it
#           (`cocktail extrapolate ... --output DIR`, a fresh process that writes the candidate to disk),
#           then `cocktail score DIR --data FILE --json` for each data file (a fresh process each); the
#           directory is removed afterwards, untimed. Each figure is compared with the search's.
# The models are the demo's or the three TinyLlama-1.1B-shaped BF16 ones of bench/search-bench.sh
# (which makes bench/work/search/model-*). Run each mode under `flock /tmp/cocktail-bench.lock`, and
# split the naive loop into several runs (FIRST..LAST) when it would take long.
# Usage: bench/search-cli-bench.sh demo|tinyllama search N
#        bench/search-cli-bench.sh demo|tinyllama naive FIRST LAST
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHICH=$1 MODE=$2
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
COCKTAIL=$ROOT/bin/cocktail
WORK=$ROOT/bench/work/search-cli/$WHICH
mkdir -p "$WORK"
DATA=("$ROOT/examples/fewshot/sort.jsonl" "$ROOT/examples/fewshot/count.jsonl")
case $WHICH in
  demo) MODELS=("$ROOT/examples/models/base" "$ROOT/examples/models/ft-sort" "$ROOT/examples/models/ft-count") ;;
  tinyllama) MODELS=("$ROOT/bench/work/search/model-0" "$ROOT/bench/work/search/model-1" "$ROOT/bench/work/search/model-2") ;;
  *) echo "demo or tinyllama, not $WHICH" >&2; exit 1 ;;
esac
timed() { # LOG CMD...: runs CMD, appends "seconds peak-RSS-MB" to LOG.log
  local log=$1
  shift
  /usr/bin/time -f "%e %M" -o "$WORK/time.tmp" "$@"
  awk '{printf "%s %d\n", $1, $2 / 1024}' "$WORK/time.tmp" >> "$log.log"
}
if [[ $MODE == search ]]; then
  N=$3
  rm -rf "$WORK/best" "$WORK/search.log"
  echo "== $(date -u +%H:%M:%S) search, $N candidates, load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "%e %M" -o "$WORK/time.tmp" "$COCKTAIL" --verbose search "${MODELS[@]}" --space exme --strategy cmaes \
    --budget "$N" --seed 42 --data "${DATA[0]}" --data "${DATA[1]}" --json --output "$WORK/best" > "$WORK/search.json" 2> "$WORK/search.err"
  read -r wall rss < "$WORK/time.tmp"
  mapfile -t each < <(sed -n 's/^candidate [0-9]* of [0-9]*: \([0-9.]*\) s$/\1/p' "$WORK/search.err")
  steady=$(printf '%s\n' "${each[@]:1}" | sort -g | awk '{a[NR]=$1} END {print NR ? a[int((NR + 1) / 2)] : "-"}')
  echo "search: $N candidates, whole command ${wall} s, $(awk -v n="$N" -v w="$wall" 'BEGIN {printf "%.2f", n / (w / 60)}') candidates/min," \
    "peak RSS $((rss / 1024)) MB; per candidate: first ${each[0]} s, then median $steady s (${each[*]:1})"
  exit 0
fi
FIRST=$3 LAST=$4
[ -f "$WORK/search.json" ] || { echo "run the search mode first: the naive loop scores its candidates" >&2; exit 1; }
rm -f "$WORK/extrapolate.log" "$WORK/score.log"
echo "== $(date -u +%H:%M:%S) naive, candidates $FIRST..$LAST, load $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = FIRST; i <= LAST; i++)); do
  dir=$WORK/candidate-$i
  rm -rf "$dir"
  command=$(jq -r ".candidates[] | select(.index == $i) | .command" "$WORK/search.json")
  eval "set -- ${command#cocktail }"
  args=("$@")
  args[${#args[@]}-1]=$dir # the command ends in --output DIR
  timed "$WORK/extrapolate" "$COCKTAIL" "${args[@]}" > /dev/null
  figures=()
  for d in "${DATA[@]}"; do
    timed "$WORK/score" "$COCKTAIL" score "$dir" --data "$d" --json > "$WORK/score.json"
    figures+=("$(jq -r '.models[0].loss' "$WORK/score.json")")
  done
  rm -rf "$dir"
  want=$(jq -r "[.candidates[] | select(.index == $i) | .figures[]] | map(tostring) | join(\" \")" "$WORK/search.json")
  read -r e erss < <(tail -1 "$WORK/extrapolate.log")
  s=$(tail -n ${#DATA[@]} "$WORK/score.log" | awk '{s += $1} END {print s}')
  srss=$(tail -n ${#DATA[@]} "$WORK/score.log" | awk '$2 > m {m = $2} END {print m}')
  diff=$(awk -v a="${figures[*]}" -v b="$want" 'BEGIN {n = split(a, x, " "); split(b, y, " "); m = 0;
    for (i = 1; i <= n; i++) {d = x[i] - y[i]; if (d < 0) d = -d; if (d > m) m = d}; printf "%.1e", m}')
  echo "candidate $i: extrapolate $e s (RSS $erss MB) + score $s s (RSS $srss MB) = $(awk -v a="$e" -v b="$s" 'BEGIN {print a + b}') s;" \
    "figures ${figures[*]}, search's $want, largest difference $diff"
done
