package dev.cocktail.models;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Greedy decoding with a KV cache: a prompt runs once, then one token's forward pass per new token.
 * Several prompts decode together, each with its own cache and its own stop: a step feeds the newest
 * token of every running sequence as one row, so the weights are read once per step for all of them,
 * and a finished sequence's place goes to the next prompt. The products of a step compute each row
 * alone (Kernels.matvec), so every sequence gets exactly the ids it gets decoded by itself.
 */
public final class Generation {
    /** How many sequences decode together unless told otherwise (eval's --parallel). */
    public static final int DEFAULT_PARALLEL = 8;

    private Generation() {}

    /** A prompt being continued: its cache and the ids generated so far. */
    private record Sequence(int prompt, KvCache cache, int[] ids, int[] count) {}

    /**
     * The ids that follow `prompt`: at each step the most likely next id (the lowest id on a tie),
     * stopping after `eosId` (not included) or `maxNew` ids.
     */
    public static int[] greedy(Llama model, int[] prompt, int maxNew, int eosId) {
        return greedy(model, List.of(prompt), maxNew, eosId, 1, i -> {}).get(0);
    }

    /**
     * greedy() of every prompt, up to `parallel` of them decoded together; `finished` hears the
     * index of each prompt as its continuation ends (in the order they end).
     */
    public static List<int[]> greedy(Llama model, List<int[]> prompts, int maxNew, int eosId, int parallel,
                                     IntConsumer finished) {
        int[][] out = new int[prompts.size()][];
        if (maxNew < 1 || prompts.isEmpty()) {
            Arrays.fill(out, new int[0]);
            for (int i = 0; i < prompts.size(); i++) finished.accept(i);
            return Arrays.asList(out);
        }
        int slots = Math.max(1, Math.min(parallel, prompts.size())), longest = 0;
        for (int[] p : prompts) longest = Math.max(longest, p.length);
        int vocab = model.config().vocabSize();
        StepBuffers step = new StepBuffers(model.config(), slots, true);
        KvCache[] caches = new KvCache[slots];
        ArrayDeque<KvCache> free = new ArrayDeque<>();
        List<Sequence> running = new ArrayList<>();
        int next = 0;
        while (true) {
            while (running.size() < slots && next < prompts.size()) {
                KvCache cache = free.isEmpty() ? new KvCache(model.config(), longest + maxNew) : free.pop();
                cache.clear();
                int index = next++;
                int[] prompt = prompts.get(index);
                float[] hidden = model.hidden(TokenBatch.of(List.of(prompt), 0), cache);
                Sequence s = new Sequence(index, cache, new int[maxNew], new int[1]);
                if (accept(s, argmax(model.logits(hidden, new int[] {prompt.length - 1}), 0, vocab), eosId)) {
                    running.add(s);
                } else {
                    end(s, out, free, finished);
                }
            }
            if (running.isEmpty()) return Arrays.asList(out);
            int rows = running.size();
            for (int r = 0; r < rows; r++) {
                Sequence s = running.get(r);
                step.ids[r] = s.ids()[s.count()[0] - 1];
                caches[r] = s.cache();
            }
            model.step(step, rows, caches);
            int kept = 0;
            for (int r = 0; r < rows; r++) {
                Sequence s = running.get(r);
                if (accept(s, argmax(step.logits, r * vocab, vocab), eosId)) {
                    running.set(kept++, s);
                } else {
                    end(s, out, free, finished);
                }
            }
            running.subList(kept, rows).clear();
        }
    }

    /** Appends `id` unless it is eos; true while the sequence goes on. */
    private static boolean accept(Sequence s, int id, int eosId) {
        if (id == eosId) return false;
        s.ids()[s.count()[0]++] = id;
        return s.count()[0] < s.ids().length;
    }

    private static void end(Sequence s, int[][] out, ArrayDeque<KvCache> free, IntConsumer finished) {
        out[s.prompt()] = Arrays.copyOf(s.ids(), s.count()[0]);
        free.push(s.cache());
        finished.accept(s.prompt());
    }

    /**
     * The ids a T5 generates for an encoder input: the encoder runs once, then the decoder one
     * token at a time from the decoder start id with a KV cache; greedy and stopping as above.
     */
    public static int[] greedy(T5 model, int[] input, int maxNew, int eosId) {
        int pad = model.config().padId();
        TokenBatch encoderInput = TokenBatch.of(java.util.List.of(input), pad);
        T5.Memory memory = model.memory(model.encode(encoderInput), encoderInput);
        T5Cache cache = model.newCache(maxNew);
        int[] out = new int[maxNew];
        int n = 0, step = model.config().decoderStartId();
        while (n < maxNew) {
            float[] hidden = model.decode(TokenBatch.of(java.util.List.of(new int[] {step}), pad), memory, cache);
            int next = argmax(model.logits(hidden, new int[] {0}));
            if (next == eosId) break;
            out[n++] = step = next;
        }
        return Arrays.copyOf(out, n);
    }

    /** The index of the largest value, the first one on a tie. */
    static int argmax(float[] v) {
        return argmax(v, 0, v.length);
    }

    /** The index (from `from`) of the largest of v[from..from+n), the first one on a tie. */
    static int argmax(float[] v, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[from + i] > v[from + best]) best = i;
        }
        return best;
    }
}
