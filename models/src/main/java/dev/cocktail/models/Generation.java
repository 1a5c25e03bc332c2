package dev.cocktail.models;

import java.util.Arrays;

/** Greedy decoding with a KV cache: the prompt runs once, then one token's forward pass per new token. */
public final class Generation {
    private Generation() {}

    /**
     * The ids that follow `prompt`: at each step the most likely next id (the lowest id on a tie),
     * stopping after `eosId` (not included) or `maxNew` ids.
     */
    public static int[] greedy(Llama model, int[] prompt, int maxNew, int eosId) {
        KvCache cache = new KvCache(model.config(), prompt.length + maxNew);
        int[] out = new int[maxNew];
        int n = 0;
        int[] step = prompt;
        while (n < maxNew) {
            float[] hidden = model.hidden(TokenBatch.of(java.util.List.of(step), 0), cache);
            int next = argmax(model.logits(hidden, new int[] {step.length - 1}));
            if (next == eosId) break;
            out[n++] = next;
            step = new int[] {next};
        }
        return Arrays.copyOf(out, n);
    }

    /** The index of the largest value, the first one on a tie. */
    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) best = i;
        }
        return best;
    }
}
