package dev.cocktail.bench;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.models.Generation;
import dev.cocktail.models.KvCache;
import dev.cocktail.models.Llama;
import dev.cocktail.models.StepBuffers;
import dev.cocktail.models.TokenBatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Token generation on the TinyLlama-shaped random model of PrefillBench (bench/decode.sh runs it
 * next to llama.cpp). Subcommands:
 * run DIR PROMPT NEW RUNS [paced]: per run, a prefill of PROMPT - 1 ids (not timed), then NEW timed decoding
 * steps, the first on the prompt's last id, each greedy on the last; one warm-up run first; prints one
 * JSON line with the seconds of each run's NEW steps. Paced (bench/decode.sh's PAIRED mode, which runs
 * llama.cpp beside it): each run waits for a line on stdin and, once done, says so on stdout;
 * eval DIR EXAMPLES PROMPT NEW PARALLEL RUNS: Generation.greedy of EXAMPLES random prompts of 1 to PROMPT ids,
 * NEW ids each (no eos), PARALLEL at a time, timed whole, prefills included;
 * bytes DTYPE: the weight bytes one decoding step reads (every matrix of the layers and the lm_head).
 */
public final class DecodeBench {
    private DecodeBench() {}

    public static void main(String[] args) {
        switch (args[0]) {
            case "run" -> run(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    args.length > 5 && args[5].equals("paced"));
            case "eval" -> eval(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]), Integer.parseInt(args[6]));
            case "bytes" -> {
                PrefillShape s = PrefillShape.of("tinyllama");
                System.out.println((s.layerWeights() + (long) s.vocab() * s.hidden()) * DType.fromOption(args[1]).byteSize());
            }
            default -> throw new IllegalArgumentException(
                    "usage: run DIR PROMPT NEW RUNS [paced] | eval DIR EXAMPLES PROMPT NEW PARALLEL RUNS | bytes DTYPE");
        }
    }

    static void run(Path dir, int prompt, int steps, int runs, boolean paced) {
        int[] ids = PrefillBench.ids(prompt, PrefillBench.PROMPT_VOCAB);
        int last;
        double[] seconds;
        try (Llama llama = Llama.load(ModelDir.resolve(dir.toString()))) {
            StepBuffers step = new StepBuffers(llama.config(), 1, true);
            int vocab = llama.config().vocabSize();
            seconds = timed("cocktail " + dir.getFileName() + " decode", runs, paced, () -> {
                KvCache[] cache = {new KvCache(llama.config(), prompt + steps)};
                llama.hidden(TokenBatch.of(List.of(Arrays.copyOf(ids, prompt - 1)), 0), cache[0]);
                step.ids[0] = ids[prompt - 1];
                long t0 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    llama.step(step, 1, cache);
                    step.ids[0] = argmax(step.logits, vocab);
                }
                return (System.nanoTime() - t0) / 1e9;
            });
            last = step.ids[0];
        }
        double median = median(seconds);
        System.out.printf("{\"engine\":\"cocktail\",\"model\":\"%s\",\"prompt\":%d,\"new\":%d,\"threads\":%d,\"seconds\":%s,"
                        + "\"median_s\":%.3f,\"tokens_per_s\":%.2f,\"last_id\":%d,\"paced\":%b}%n",
                dir.getFileName(), prompt, steps, Runtime.getRuntime().availableProcessors(), Arrays.toString(seconds), median,
                steps / median, last, paced);
    }

    static void eval(Path dir, int examples, int prompt, int steps, int parallel, int runs) {
        SplittableRandom random = new SplittableRandom(11);
        List<int[]> prompts = new ArrayList<>();
        for (int e = 0; e < examples; e++) {
            int[] p = new int[random.nextInt(1, prompt + 1)];
            p[0] = 1;
            for (int i = 1; i < p.length; i++) p[i] = random.nextInt(3, PrefillBench.PROMPT_VOCAB);
            prompts.add(p);
        }
        double[] seconds;
        try (Llama llama = Llama.load(ModelDir.resolve(dir.toString()))) {
            seconds = timed("cocktail " + dir.getFileName() + " eval, parallel " + parallel, runs, false, () -> {
                long t0 = System.nanoTime();
                Generation.greedy(llama, prompts, steps, -1, parallel, i -> {});
                return (System.nanoTime() - t0) / 1e9;
            });
        }
        double median = median(seconds);
        System.out.printf("{\"engine\":\"cocktail\",\"model\":\"%s\",\"examples\":%d,\"prompt_max\":%d,\"new\":%d,\"parallel\":%d,"
                        + "\"seconds\":%s,\"median_s\":%.3f,\"examples_per_s\":%.3f}%n",
                dir.getFileName(), examples, prompt, steps, parallel, Arrays.toString(seconds), median, examples / median);
    }

    /**
     * A warm-up and then `runs` runs of body, which returns the seconds it timed; each logged to stderr.
     * Paced: each run starts when a line comes on stdin, and its log line also goes to stdout.
     */
    private static double[] timed(String label, int runs, boolean paced, DoubleSupplier body) {
        double[] seconds = new double[runs];
        BufferedReader cues = paced ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)) : null;
        for (int r = -1; r < runs; r++) {
            if (paced) awaitCue(cues);
            double sec = body.getAsDouble();
            if (r >= 0) seconds[r] = sec;
            String line = String.format("%s run %d: %.2f s", label, r, sec);
            System.err.println(line);
            if (paced) {
                System.out.println(line);
                System.out.flush();
            }
        }
        return seconds;
    }

    private static void awaitCue(BufferedReader cues) {
        try {
            if (cues.readLine() == null) throw new IllegalStateException("stdin closed before every paced run was cued");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int argmax(float[] v, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
