// llama.cpp generating for many prompts with PARALLEL sequences of one context (node-llama-cpp batches
// the sequences' steps into one decode), for bench/decode.sh's eval rows:
// node bench/eval-llamacpp.mjs FILE.gguf EXAMPLES PROMPT NEW PARALLEL THREADS RUNS  -> one JSON line on stdout.
// EXAMPLES prompts of 1 to PROMPT ids (bos, then uniform ids; DecodeBench eval draws the same
// distribution), NEW greedy tokens each, timed whole, prompts included.
const [file, examplesArg, promptArg, newArg, parallelArg, threadsArg, runsArg] = process.argv.slice(2);
const [examples, prompt, steps, parallel, threads, runs] = [examplesArg, promptArg, newArg, parallelArg, threadsArg, runsArg].map(Number);
const { getLlama, LlamaLogLevel } = await import(new URL("./work/node_modules/node-llama-cpp/dist/index.js", import.meta.url));
const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
const context = await model.createContext({ contextSize: parallel * (prompt + steps + 16), batchSize: 512, threads,
  sequences: parallel, flashAttention: false });
let seed = 11;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const prompts = [];
for (let e = 0; e < examples; e++) {
  const p = [1];
  const length = 1 + Math.floor(random() * prompt);
  while (p.length < length) p.push(3 + Math.floor(random() * 31997));
  prompts.push(p);
}
// the sequences live through every run: one disposed at the end of a run is not yet free for the next
const sequences = Array.from({ length: parallel }, () => context.getSequence());
const seconds = [];
for (let r = -1; r < runs; r++) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(sequences.map(async (sequence) => {
    while (next < prompts.length) {
      const p = prompts[next++];
      await sequence.clearHistory();
      let n = 0;
      for await (const token of sequence.evaluate(p, { temperature: 0 })) {
        if (++n >= steps) break;
      }
    }
  }));
  const s = (performance.now() - t0) / 1000;
  console.error(`llama.cpp ${file} eval run ${r}: ${s.toFixed(2)} s, ${(examples / s).toFixed(2)} examples/s`);
  if (r >= 0) seconds.push(s);
}
const sorted = [...seconds].sort((a, b) => a - b);
const median = runs % 2 ? sorted[(runs - 1) / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
console.log(JSON.stringify({ engine: "llama.cpp", model: file.split("/").pop(), examples, prompt_max: prompt, new: steps, parallel,
  threads, seconds, median_s: median, examples_per_s: examples / median }));
for (const sequence of sequences) sequence.dispose();
await context.dispose();
await model.dispose();
await llama.dispose();
