#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input with Jazzer, then adds what it found to the committed corpus
# (which `mvn verify` replays on every run).
#   scripts/fuzz.sh [MINUTES_PER_TARGET] [Class#method ...]     e.g. scripts/fuzz.sh 10 SafetensorsFuzzTest#anyBytes
# With no target named, every @FuzzTest method of fuzz/ is fuzzed in turn. One JUnit run fuzzes one
# method for 2 minutes (the targets' maxDuration); runs repeat until the minutes are spent, resuming
# from the corpus kept in fuzz/.cifuzz-corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]] && export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
minutes="${1:-2}"; shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in fuzz/src/test/java/dev/cocktail/fuzz/*FuzzTest.java; do
    class="$(basename "$f" .java)"
    for m in $(grep -A1 '@FuzzTest' "$f" | sed -n 's/.*void \([A-Za-z0-9_]*\)(.*/\1/p'); do targets+=("$class#$m"); done
  done
fi
mvn -B -ntp -q -pl fuzz -am -DskipTests install
runs=$(( (minutes + 1) / 2 )); [[ $runs -lt 1 ]] && runs=1
for t in "${targets[@]}"; do
  class="${t%%#*}"; method="${t##*#}"
  for ((i = 1; i <= runs; i++)); do
    echo "== $t: run $i of $runs"
    JAZZER_FUZZ=1 mvn -B -ntp -o -pl fuzz surefire:test -Dtest="$t" > "fuzz/target/fuzz-$class-$method.log" 2>&1 \
      || { echo "$t found a failing input: see fuzz/target/fuzz-$class-$method.log and the crash file it names"; exit 1; }
    grep -ohE 'Done [0-9]+ runs in [0-9]+ second' "fuzz/target/fuzz-$class-$method.log" | tail -1 || true
  done
  found="fuzz/.cifuzz-corpus/dev.cocktail.fuzz.$class/$method"
  dest="fuzz/src/test/resources/dev/cocktail/fuzz/${class}Inputs/$method"
  mkdir -p "$dest"
  [[ -d "$found" ]] && cp -n "$found"/* "$dest"/ 2>/dev/null || true
  echo "$t: $(ls "$dest" | wc -l) inputs in the committed corpus"
done
