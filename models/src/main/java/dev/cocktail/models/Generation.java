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

    /**
     * The ids a T5 generates for an encoder input: the encoder runs once, then the decoder one
     * token at a time from the decoder start id with a KV cache; greedy and stopping as above.
     */
    public static int[] greedy(T5 model, int[] input, int maxNew, int eosId) {
        int pad = model.config().padId();
        TokenBatch encoderInput = TokenBatch.of(java.util.List.of(input), pad);
        T5.Memory memory = model.memory(model.encode(encoderInput), encoderInput);
        KvCache cache = model.newCache(maxNew);
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
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) best = i;
        }
        return best;
    }
}
