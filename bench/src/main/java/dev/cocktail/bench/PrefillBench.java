package dev.cocktail.bench;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.models.Llama;
import dev.cocktail.models.TokenBatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Prefill throughput of the Llama-style forward pass on random models of a PrefillShape (tinyllama,
 * qwen3-1.7b, gemma2-2b; bench/prefill.sh runs it next to llama.cpp). Subcommands:
 * model SHAPE DIR bf16|f32 (write the model), gguf SHAPE DIR FILE (the same weights for llama.cpp),
 * run SHAPE DIR TOKENS RUNS (one warm-up, then RUNS timed prefills; prints one JSON line),
 * flops SHAPE TOKENS (the FLOPs one prefill counts, for GFLOP/s),
 * logits DIR TOKENS (the last token's logits after a prompt of random ids, as JSON, for
 * bench/logits-llamacpp.mjs to compare with llama.cpp's).
 */
public final class PrefillBench {
    private PrefillBench() {}

    /** The timed prompts' ids are below this, which every shape's vocabulary reaches (llama.cpp's side draws the same way). */
    static final int PROMPT_VOCAB = 32000;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "model" -> PrefillModel.write(PrefillShape.of(args[1]), Path.of(args[2]), DType.fromOption(args[3]), 20261123L);
            case "gguf" -> PrefillGguf.write(PrefillShape.of(args[1]), Path.of(args[2]), Path.of(args[3]));
            case "run" -> run(PrefillShape.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "flops" -> System.out.printf("%.0f%n", PrefillShape.of(args[1]).prefillFlops(Integer.parseInt(args[2])));
            case "logits" -> logits(Path.of(args[1]), Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(
                    "usage: model SHAPE DIR DTYPE | gguf SHAPE DIR FILE | run SHAPE DIR TOKENS RUNS | flops SHAPE TOKENS | logits DIR TOKENS");
        }
    }

    /** A prompt: bos, then ids uniform in [3, vocab) from a fixed seed. */
    static int[] ids(int tokens, int vocab) {
        int[] ids = new int[tokens];
        SplittableRandom random = new SplittableRandom(7);
        ids[0] = 1;
        for (int i = 1; i < tokens; i++) ids[i] = random.nextInt(3, vocab);
        return ids;
    }

    /** Times hidden states for every token plus the last token's logits, as llama.cpp's prompt processing does. */
    static void run(PrefillShape shape, Path dir, int tokens, int runs) {
        int[] ids = ids(tokens, PROMPT_VOCAB);
        TokenBatch batch = TokenBatch.of(List.of(ids), 0);
        double[] seconds = new double[runs];
        float checksum = 0;
        try (Llama llama = Llama.load(ModelDir.resolve(dir.toString()))) {
            for (int r = -1; r < runs; r++) {
                long t0 = System.nanoTime();
                float[] logits = llama.logits(llama.hidden(batch), new int[] {tokens - 1});
                double s = (System.nanoTime() - t0) / 1e9;
                checksum = logits[0];
                if (r >= 0) seconds[r] = s;
                System.err.printf("cocktail %s run %d: %.2f s%n", dir.getFileName(), r, s);
            }
        }
        double median = DecodeBench.median(seconds);
        System.out.printf("{\"engine\":\"cocktail\",\"model\":\"%s\",\"tokens\":%d,\"threads\":%d,\"seconds\":%s,\"median_s\":%.3f,"
                        + "\"tokens_per_s\":%.2f,\"gflops\":%.1f,\"logit0\":%s}%n",
                dir.getFileName(), tokens, Runtime.getRuntime().availableProcessors(), Arrays.toString(seconds), median,
                tokens / median, shape.prefillFlops(tokens) / median / 1e9, checksum);
    }

    /** Prints {"ids": [...], "logits": [...]}: the prompt (ids below the model's vocabulary) and its last token's logits. */
    static void logits(Path dir, int tokens) throws Exception {
        try (Llama llama = Llama.load(ModelDir.resolve(dir.toString()))) {
            int[] ids = ids(tokens, llama.config().vocabSize());
            float[] logits = llama.logits(llama.hidden(TokenBatch.of(List.of(ids), 0)), new int[] {tokens - 1});
            ObjectNode out = Json.MAPPER.createObjectNode();
            ArrayNode idsOut = out.putArray("ids");
            for (int id : ids) idsOut.add(id);
            ArrayNode logitsOut = out.putArray("logits");
            for (float l : logits) logitsOut.add(l);
            System.out.println(Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        }
    }
}
