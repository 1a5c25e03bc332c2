// The Markdown table of bench/prefill.sh and bench/decode.sh: per dtype, Cocktail's JSON line and
// llama.cpp's from the same run, the work of a run over its median time as a rate, and the ratio of
// tokens/s. node bench/table.mjs FILE.jsonl "bf16 f32" UNIT '{"bf16": WORK, "f32": WORK}'
// (WORK per run, in units such that WORK / seconds / 1e9 is the UNIT: FLOPs for GFLOP/s, bytes for GB/s).
import { readFileSync } from "fs";
const [file, dtypes, unit, workArg] = process.argv.slice(2);
const lines = readFileSync(file, "utf8").trim().split("\n").map(JSON.parse);
const work = JSON.parse(workArg);
console.log(`| dtype | engine | runs (s) | median (s) | tokens/s | ${unit} | Cocktail / llama.cpp |`);
console.log("|---|---|---|---:|---:|---:|---:|");
for (const dtype of dtypes.split(" ")) {
  const ours = lines.find(l => l.engine === "cocktail" && l.model.includes(dtype));
  const peer = lines.find(l => l.engine === "llama.cpp" && l.model.includes(dtype));
  for (const l of [ours, peer]) {
    const ratio = (l.tokens_per_s / peer.tokens_per_s).toFixed(2) + "x";
    console.log(`| ${dtype.toUpperCase()} | ${l.engine} | ${l.seconds.map(s => s.toFixed(2)).join(", ")} | ${l.median_s.toFixed(2)} | `
      + `${l.tokens_per_s.toFixed(1)} | ${(work[dtype] / l.median_s / 1e9).toFixed(1)} | ${ratio} |`);
  }
}
