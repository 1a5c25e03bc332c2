#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input with Jazzer for a while, then adds what it found to the
# committed corpus (which `mvn verify` replays on every run).
#   scripts/fuzz.sh [MINUTES_PER_TARGET] [TargetTest ...]      e.g. scripts/fuzz.sh 10 SafetensorsFuzzTest
# Each JUnit run fuzzes one target for 2 minutes (the targets' maxDuration); runs repeat until the
# minutes are spent, resuming from the corpus kept in fuzz/.cifuzz-corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]] && export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
minutes="${1:-2}"; shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cd fuzz/src/test/java/dev/cocktail/fuzz && ls *FuzzTest.java | sed 's/\.java$//')
fi
mvn -B -ntp -q -pl fuzz -am -DskipTests install
for t in "${targets[@]}"; do
  runs=$(( (minutes + 1) / 2 )); [[ $runs -lt 1 ]] && runs=1
  for ((i = 1; i <= runs; i++)); do
    echo "== $t: run $i of $runs"
    JAZZER_FUZZ=1 mvn -B -ntp -q -o -pl fuzz surefire:test -Dtest="$t" || { echo "$t found a failing input: see fuzz/target/surefire-reports and the crash-* file it names"; exit 1; }
  done
  for dir in fuzz/.cifuzz-corpus/dev.cocktail.fuzz."$t"/*/; do
    [[ -d "$dir" ]] || continue
    method="$(basename "$dir")"
    dest="fuzz/src/test/resources/dev/cocktail/fuzz/${t}Inputs/$method"
    mkdir -p "$dest"
    cp -n "$dir"* "$dest"/ 2>/dev/null || true
    echo "$t/$method: $(ls "$dest" | wc -l) inputs in the committed corpus"
  done
done
