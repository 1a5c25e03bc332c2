# Sourced by bench/prefill.sh and bench/decode.sh (from the repository's root, THREADS set): builds the
# bench jar and installs node-llama-cpp when missing, and defines `tinyllama DTYPE`, which writes the
# random TinyLlama-1.1B-shaped model of that dtype and its GGUF under bench/work/ unless they exist.
WORK=bench/work
mkdir -p "$WORK"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -ntp -Pbench -pl bench -am -DskipTests package
[ -d "$WORK/node_modules/node-llama-cpp" ] || (cd "$WORK" && npm install --omit=optional node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1)
BENCH_JAVA=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -XX:ActiveProcessorCount="$THREADS" -Xmx6g -cp bench/target/benchmarks.jar)
tinyllama() {
  local model="$WORK/tinyllama-$1"
  [ -f "$model/model.safetensors" ] || "${BENCH_JAVA[@]}" dev.cocktail.bench.PrefillBench model "$model" "$1"
  [ -f "$model.gguf" ] || "${BENCH_JAVA[@]}" dev.cocktail.bench.PrefillBench gguf "$model" "$model.gguf"
}
