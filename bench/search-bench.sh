#!/usr/bin/env bash
# Search benchmark: N candidates scored by LayerwiseEvaluator (never written) and by the naive loop
# (MergePlan.write, then Scoring.score of the written model), same candidates, same data, one JVM per
# mode, on the demo's models and on three TinyLlama-1.1B-shaped BF16 models (a random base and two
# noisy copies, MergeBenchModels: the models of bench/merge-bench.sh, reused from MERGE_WORK when they
# exist, generated there otherwise). The 1.1B models have no tokenizer: the demo's (ids < 292) is put
# beside symbolic links to their files. Run it under `flock /tmp/cocktail-bench.lock`.
# Usage: bench/search-bench.sh [N] [demo|tinyllama|both]
set -euo pipefail
N=${1:-4}
WHICH=${2:-both}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$ROOT/bench/work/search
MERGE_WORK=${MERGE_WORK:-$ROOT/bench/work/merge}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAR=$ROOT/bench/target/benchmarks.jar
[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q -ntp -Pbench -pl bench -am -DskipTests package)
JAVA=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx4g -cp "$JAR")
mkdir -p "$WORK/scratch"
DATA=$ROOT/examples/fewshot/sort.jsonl,$ROOT/examples/fewshot/count.jsonl
run() { # MODELS...
  for mode in layerwise naive; do
    echo "== $(date -u +%H:%M:%S) $mode, load $(cut -d' ' -f1-3 /proc/loadavg)"
    "${JAVA[@]}" dev.cocktail.bench.SearchBench "$mode" "$N" "$WORK/scratch" "$DATA" "$@" 2>&1 | grep -v '^WARNING'
  done
}
if [[ $WHICH != tinyllama ]]; then
  echo "# demo (examples/models: base, ft-sort, ft-count)"
  run "$ROOT/examples/models/base" "$ROOT/examples/models/ft-sort" "$ROOT/examples/models/ft-count"
fi
if [[ $WHICH != demo ]]; then
  if [ ! -f "$MERGE_WORK/model-2/model.safetensors" ]; then
    mkdir -p "$MERGE_WORK"
    "${JAVA[@]}" dev.cocktail.bench.MergeBenchModels "$MERGE_WORK" 3
  fi
  for i in 0 1 2; do
    mkdir -p "$WORK/model-$i"
    ln -sf "$MERGE_WORK/model-$i/model.safetensors" "$MERGE_WORK/model-$i/config.json" "$WORK/model-$i/"
    cp "$ROOT/examples/models/base/tokenizer.json" "$ROOT/examples/models/base/tokenizer_config.json" "$WORK/model-$i/"
  done
  echo "# TinyLlama-1.1B-shaped BF16 (MergeBenchModels in $MERGE_WORK)"
  run "$WORK/model-0" "$WORK/model-1" "$WORK/model-2"
fi
