// llama.cpp token generation (node-llama-cpp's prebuilt CPU backend) on a GGUF, for bench/decode.sh:
// node bench/decode-llamacpp.mjs FILE.gguf PROMPT NEW THREADS RUNS [paced]  -> one JSON line on stdout.
// Per run: the first PROMPT - 1 ids evaluated (not timed), then NEW greedy tokens timed, the first
// from the prompt's last id: the same decoding steps as DecodeBench's, at the same positions.
// Paced (as DecodeBench's, for decode.sh's PAIRED mode): each run waits for a line on stdin and, once
// done, says so on stdout.
import { createInterface } from "readline";
const [file, promptArg, newArg, threadsArg, runsArg, pacedArg] = process.argv.slice(2);
const prompt = Number(promptArg), steps = Number(newArg), threads = Number(threadsArg), runs = Number(runsArg);
const paced = pacedArg === "paced";
const cues = paced ? createInterface({ input: process.stdin })[Symbol.asyncIterator]() : null;
const { getLlama, LlamaLogLevel } = await import(new URL("./work/node_modules/node-llama-cpp/dist/index.js", import.meta.url));
const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
const context = await model.createContext({ contextSize: prompt + steps + 16, batchSize: 512, threads, sequences: 1,
  flashAttention: false });
const sequence = context.getSequence();
let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const ids = [1];
while (ids.length < prompt) ids.push(3 + Math.floor(random() * 31997));
const seconds = [];
for (let r = -1; r < runs; r++) {
  if (paced && (await cues.next()).done) throw new Error("stdin closed before every paced run was cued");
  await sequence.clearHistory();
  await sequence.evaluateWithoutGeneratingNewTokens(ids.slice(0, prompt - 1));
  let n = 0;
  const t0 = performance.now();
  for await (const token of sequence.evaluate([ids[prompt - 1]], { temperature: 0 })) {
    if (++n >= steps) break;
  }
  const s = (performance.now() - t0) / 1000;
  const line = `llama.cpp ${file} decode run ${r}: ${s.toFixed(2)} s, ${(steps / s).toFixed(1)} tokens/s`;
  console.error(line);
  if (paced) console.log(line);
  if (r >= 0) seconds.push(s);
}
const sorted = [...seconds].sort((a, b) => a - b);
const median = runs % 2 ? sorted[(runs - 1) / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
console.log(JSON.stringify({ engine: "llama.cpp", model: file.split("/").pop(), prompt, new: steps, threads, seconds,
  median_s: median, tokens_per_s: steps / median, paced }));
await context.dispose();
await model.dispose();
await llama.dispose();
