// llama.cpp prompt processing (node-llama-cpp's prebuilt CPU backend) on a GGUF, for bench/prefill.sh:
// node bench/prefill-llamacpp.mjs FILE.gguf TOKENS THREADS RUNS  -> one JSON line on stdout.
// The ids are the same as PrefillBench's only in distribution (bos, then uniform in [3, vocab)): the
// time of a prefill does not depend on which ids are fed.
const [file, tokensArg, threadsArg, runsArg] = process.argv.slice(2);
const tokens = Number(tokensArg), threads = Number(threadsArg), runs = Number(runsArg);
const { getLlama, LlamaLogLevel } = await import(new URL("./work/node_modules/node-llama-cpp/dist/index.js", import.meta.url));
const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
const context = await model.createContext({ contextSize: tokens, batchSize: tokens, threads, sequences: 1, flashAttention: false });
const sequence = context.getSequence();
let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const ids = [1];
while (ids.length < tokens) ids.push(3 + Math.floor(random() * 31997));
const seconds = [];
for (let r = -1; r < runs; r++) {
  await sequence.clearHistory();
  const t0 = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(ids);
  const s = (performance.now() - t0) / 1000;
  console.error(`llama.cpp ${file} run ${r}: ${s.toFixed(2)} s`);
  if (r >= 0) seconds.push(s);
}
const sorted = [...seconds].sort((a, b) => a - b);
const median = runs % 2 ? sorted[(runs - 1) / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
console.log(JSON.stringify({ engine: "llama.cpp", model: file.split("/").pop(), tokens, threads, seconds, median_s: median,
  tokens_per_s: tokens / median, backend: llama.buildType ?? "prebuilt", cpu: llama.cpuMathCores ?? null }));
await context.dispose();
await model.dispose();
await llama.dispose();
