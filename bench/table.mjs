// The Markdown table of bench/prefill.sh and bench/decode.sh: per model (SHAPE-DTYPE), Cocktail's JSON
// line and llama.cpp's from the same run, the work of a run over its median time as a rate, and the
// ratio of tokens/s. node bench/table.mjs FILE.jsonl UNIT '{"tinyllama-bf16": WORK, ...}'
// (WORK per run, in units such that WORK / seconds / 1e9 is the UNIT: FLOPs for GFLOP/s, bytes for GB/s).
import { readFileSync } from "fs";
const [file, unit, workArg] = process.argv.slice(2);
const lines = readFileSync(file, "utf8").trim().split("\n").map(JSON.parse);
const work = JSON.parse(workArg);
console.log(`| shape | dtype | engine | runs (s) | median (s) | tokens/s | ${unit} | Cocktail / llama.cpp |`);
console.log("|---|---|---|---|---:|---:|---:|---:|");
// decode.sh's PAIRED runs: run i of each engine met the same moment of the machine, so each pair has its ratio
const paired = [];
for (const [name, w] of Object.entries(work)) {
  const ours = lines.find(l => l.engine === "cocktail" && l.model === name);
  const peer = lines.find(l => l.engine === "llama.cpp" && l.model === name + ".gguf");
  const dtype = name.slice(name.lastIndexOf("-") + 1);
  for (const l of [ours, peer]) {
    const ratio = (l.tokens_per_s / peer.tokens_per_s).toFixed(2) + "x";
    console.log(`| ${name.slice(0, -dtype.length - 1)} | ${dtype.toUpperCase()} | ${l.engine} | ${l.seconds.map(s => s.toFixed(2)).join(", ")} | `
      + `${l.median_s.toFixed(2)} | ${l.tokens_per_s.toFixed(1)} | ${(w / l.median_s / 1e9).toFixed(1)} | ${ratio} |`);
  }
  if (!ours.paced || !peer.paced) continue;
  const ratios = ours.seconds.map((s, i) => peer.seconds[i] / s).sort((a, b) => a - b);
  const n = ratios.length, median = n % 2 ? ratios[(n - 1) / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
  paired.push(`\n${name}, paired runs, Cocktail / llama.cpp per pair (sorted): ${ratios.map(r => r.toFixed(2) + "x").join(", ")}; `
    + `median ${median.toFixed(2)}x`);
}
for (const line of paired) console.log(line);
