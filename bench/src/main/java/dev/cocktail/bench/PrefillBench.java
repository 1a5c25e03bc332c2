package dev.cocktail.bench;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.models.Llama;
import dev.cocktail.models.TokenBatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Prefill throughput of the Llama forward pass on a TinyLlama-shaped random model (bench/prefill.sh
 * runs it next to llama.cpp). Subcommands:
 * model DIR bf16|f32 (write the model), gguf DIR FILE (the same weights for llama.cpp),
 * run DIR TOKENS RUNS (one warm-up, then RUNS timed prefills; prints one JSON line),
 * flops TOKENS (the FLOPs one prefill counts, for GFLOP/s).
 */
public final class PrefillBench {
    private PrefillBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "model" -> PrefillModel.write(Path.of(args[1]), DType.fromOption(args[2]), 20261123L);
            case "gguf" -> PrefillGguf.write(Path.of(args[1]), Path.of(args[2]));
            case "run" -> run(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "flops" -> System.out.printf("%.0f%n", PrefillModel.prefillFlops(Integer.parseInt(args[1])));
            default -> throw new IllegalArgumentException("usage: model DIR DTYPE | gguf DIR FILE | run DIR TOKENS RUNS | flops TOKENS");
        }
    }

    /** The bench's prompt: bos, then ids uniform in [3, vocab) from a fixed seed. */
    static int[] ids(int tokens) {
        int[] ids = new int[tokens];
        SplittableRandom random = new SplittableRandom(7);
        ids[0] = 1;
        for (int i = 1; i < tokens; i++) ids[i] = random.nextInt(3, PrefillModel.VOCAB);
        return ids;
    }

    /** Times hidden states for every token plus the last token's logits, as llama.cpp's prompt processing does. */
    static void run(Path dir, int tokens, int runs) {
        int[] ids = ids(tokens);
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
                tokens / median, PrefillModel.prefillFlops(tokens) / median / 1e9, checksum);
    }
}
