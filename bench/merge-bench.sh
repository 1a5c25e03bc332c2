#!/usr/bin/env bash
# Merge benchmark: three random BF16 models of TinyLlama-1.1B's shapes (~2.2 GB each, generated once
# into bench/work/), merged with mergekit `linear` and `ties` by `cocktail merge`; wall time and peak RSS
# (/usr/bin/time -v) against the I/O floor measured in the same run (cat of the inputs + dd of the
# output's size, with fsync as the merge does). The merge runs through bin/cocktail, as users run it. Medians of RUNS runs. With THREADS (1 or 2), the merge and
# the floor both run on that many cores (taskset -c 0, or 0,1); without it, on all of them.
# MERGE_WORK names another work directory (models already generated there are reused).
# Usage: bench/merge-bench.sh [RUNS] [THREADS]
set -euo pipefail
RUNS=${1:-3}
THREADS=${2:-}
PIN=()
LABEL=
if [[ -n "$THREADS" ]]; then
  PIN=(taskset -c "$(seq -s, 0 $((THREADS - 1)))")
  LABEL=" ($THREADS thread$([[ $THREADS == 1 ]] || echo s))"
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${MERGE_WORK:-$ROOT/bench/work/merge}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
mkdir -p "$WORK"
(cd "$ROOT" && mvn -B -ntp -q -pl cli -am package -DskipTests)
JAR=$ROOT/cli/target/cocktail.jar
mkdir -p "$WORK/classes"
"$JAVA_HOME/bin/javac" --add-modules jdk.incubator.vector -cp "$JAR" -d "$WORK/classes" \
  "$ROOT/bench/src/main/java/dev/cocktail/bench/MergeBenchModels.java"
"$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$JAR:$WORK/classes" \
  dev.cocktail.bench.MergeBenchModels "$WORK" 3
M0=$WORK/model-0; M1=$WORK/model-1; M2=$WORK/model-2
cat > "$WORK/linear.yml" <<YML
models:
  - model: $M0
    parameters: {weight: 0.4}
  - model: $M1
    parameters: {weight: 0.3}
  - model: $M2
    parameters: {weight: 0.3}
merge_method: linear
dtype: bfloat16
YML
cat > "$WORK/ties.yml" <<YML
models:
  - model: $M1
    parameters: {weight: 0.5, density: 0.5}
  - model: $M2
    parameters: {weight: 0.5, density: 0.5}
merge_method: ties
base_model: $M0
dtype: bfloat16
YML
OUTBYTES=$(stat -c %s "$M0/model.safetensors")
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }
for method in linear ties; do
  : > "$WORK/$method.wall"; : > "$WORK/$method.floor"; : > "$WORK/$method.rss"
  for r in $(seq "$RUNS"); do
    rm -rf "$WORK/out" "$WORK/floor.bin"
    t0=$(now)
    "${PIN[@]}" cat "$M0/model.safetensors" "$M1/model.safetensors" "$M2/model.safetensors" > /dev/null
    "${PIN[@]}" dd if=/dev/zero of="$WORK/floor.bin" bs=16M count=$(( (OUTBYTES + 16777215) / 16777216 )) conv=fsync status=none
    t1=$(now)
    rm -f "$WORK/floor.bin"
    echo "$t1 - $t0" | bc -l >> "$WORK/$method.floor"
    t0=$(now)
    "${PIN[@]}" /usr/bin/time -v -o "$WORK/time.txt" "$ROOT/bin/cocktail" \
      merge "$WORK/$method.yml" --output "$WORK/out" 2>/dev/null >/dev/null
    t1=$(now)
    echo "$t1 - $t0" | bc -l >> "$WORK/$method.wall"
    grep 'Maximum resident set size' "$WORK/time.txt" | awk '{print $NF/1024}' >> "$WORK/$method.rss"
  done
  wall=$(median < "$WORK/$method.wall"); floor=$(median < "$WORK/$method.floor"); rss=$(median < "$WORK/$method.rss")
  printf '| %s | %.2f | %.2f | %.2f | %.0f |\n' "$method$LABEL" "$wall" "$floor" "$(echo "$wall / $floor" | bc -l)" "$rss" | tee -a "$WORK/rows.md"
  echo "  $method$LABEL runs: wall $(paste -sd' ' "$WORK/$method.wall") floor $(paste -sd' ' "$WORK/$method.floor")" >> "$WORK/runs.txt"
done
rm -rf "$WORK/out"
