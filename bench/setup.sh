# Sourced by bench/prefill.sh, bench/decode.sh and bench/check-logits.sh (from the repository's root,
# THREADS set): builds the bench jar and installs node-llama-cpp when missing, and defines
# `bench_model SHAPE DTYPE [DIR]`, which writes the random model of that PrefillShape and dtype (at DIR,
# by default bench/work/SHAPE-DTYPE) and its GGUF (DIR.gguf) unless they exist.
WORK=bench/work
mkdir -p "$WORK"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -ntp -Pbench -pl bench -am -DskipTests package
[ -d "$WORK/node_modules/node-llama-cpp" ] || (cd "$WORK" && npm install --omit=optional node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1)
BENCH_JAVA=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:ActiveProcessorCount="$THREADS" -Xmx6g -cp "${BENCH_JAR:-bench/target/benchmarks.jar}")
bench_model() {
  local model="${3:-$WORK/$1-$2}"
  [ -f "$model/model.safetensors" ] || "${BENCH_JAVA[@]}" dev.cocktail.bench.PrefillBench model "$1" "$model" "$2"
  [ -f "$model.gguf" ] || "${BENCH_JAVA[@]}" dev.cocktail.bench.PrefillBench gguf "$1" "$model" "$model.gguf"
}
