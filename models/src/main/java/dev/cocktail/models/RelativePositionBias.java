package dev.cocktail.models;

import dev.cocktail.engine.kernels.BiasedAttention;

/**
 * T5's relative position bias: a learned [buckets x heads] table indexed by the bucket of key
 * position - query position, exact for short distances and logarithmic up to maxDistance.
 * Bidirectional (the encoder) gives each sign half of the buckets; unidirectional (the decoder)
 * sees only keys at or before the query.
 */
public record RelativePositionBias(float[] table, int heads, int buckets, int maxDistance, boolean bidirectional) {

    /** transformers' _relative_position_bucket for r = key - query. */
    public static int bucket(int r, boolean bidirectional, int buckets, int maxDistance) {
        int n = buckets, base = 0;
        if (bidirectional) {
            n /= 2;
            if (r > 0) base = n;
            r = Math.abs(r);
        } else {
            r = Math.max(-r, 0);
        }
        int maxExact = n / 2;
        if (r < maxExact) return base + r;
        int large = maxExact + (int) (Math.log((double) r / maxExact) / Math.log((double) maxDistance / maxExact) * (n - maxExact));
        return base + Math.min(large, n - 1);
    }

    /** The bias of queries at positions past .. past + queries - 1 over keys 0 .. keys - 1, laid out as BiasedAttention reads it. */
    float[] values(int past, int queries, int keys) {
        int offset = past + queries - 1, span = BiasedAttention.biasSpan(past, queries, keys);
        float[] out = new float[heads * span];
        for (int i = 0; i < span; i++) {
            int b = bucket(i - offset, bidirectional, buckets, maxDistance);
            for (int h = 0; h < heads; h++) out[h * span + i] = table[b * heads + h];
        }
        return out;
    }
}
