// The logits check of bench/check-logits.sh: llama.cpp's last-token logits on a GGUF next to Cocktail's
// on the same weights. node bench/logits-llamacpp.mjs FILE.gguf OURS.json
// OURS.json is PrefillBench logits' output ({"ids": [...], "logits": [...]}); prints one JSON line: the
// largest absolute difference, the largest |logit| (its scale), both argmaxes and how many of the top 10 agree.
import { readFileSync } from "fs";
const [file, oursFile] = process.argv.slice(2);
const ours = JSON.parse(readFileSync(oursFile, "utf8"));
const { getLlama, LlamaLogLevel } = await import(new URL("./work/node_modules/node-llama-cpp/dist/index.js", import.meta.url));
const llama = await getLlama({ gpu: false, build: "never", maxThreads: 2, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
const context = await model.createContext({ contextSize: Math.max(64, ours.ids.length), batchSize: ours.ids.length, threads: 2, sequences: 1 });
const input = ours.ids.map((id, i) => i === ours.ids.length - 1 ? [id, { generateNext: { logits: true } }] : id);
const results = await context.getSequence().controlledEvaluate(input);
const theirs = new Float64Array(ours.logits.length);
for (const [token, logit] of results[ours.ids.length - 1].next.logits) theirs[token] = logit;
let maxDiff = 0, scale = 0;
for (let i = 0; i < theirs.length; i++) {
  maxDiff = Math.max(maxDiff, Math.abs(theirs[i] - ours.logits[i]));
  scale = Math.max(scale, Math.abs(ours.logits[i]));
}
const top = l => [...l.keys()].sort((a, b) => l[b] - l[a]).slice(0, 10);
const topOurs = top(ours.logits), topTheirs = top(Array.from(theirs));
console.log(JSON.stringify({ model: file.split("/").pop(), tokens: ours.ids.length, logits: theirs.length,
  max_abs_diff: maxDiff, max_abs_logit: scale, relative: maxDiff / scale, argmax_cocktail: topOurs[0], argmax_llamacpp: topTheirs[0],
  top10_common: topOurs.filter(t => topTheirs.includes(t)).length }));
await context.dispose();
await model.dispose();
await llama.dispose();
