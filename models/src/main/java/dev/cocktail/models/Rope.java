package dev.cocktail.models;

/**
 * RoPE (rotary position embedding) tables as transformers builds them, but in double precision:
 * inv_freq_j = theta^(-2j/d) for j < d/2 (d the rotary dims), rescaled by rope_scaling, and cos/sin
 * of position * inv_freq_j (times longrope's attention factor) for the positions of the rows,
 * rounded to F32 at the end.
 */
public record Rope(float[] cos, float[] sin, int dims) {

    /** Tables for positions past..past+seqLen-1: the rows that follow `past` cached ones. */
    public static Rope tables(LlamaConfig.Rotary r, int past, int seqLen) {
        double[] inv = inverseFrequencies(r, past + seqLen);
        double a = r.scaling() == null ? 1 : r.scaling().attentionFactor();
        int half = inv.length;
        float[] cos = new float[seqLen * half], sin = new float[seqLen * half];
        for (int p = 0; p < seqLen; p++) {
            for (int j = 0; j < half; j++) {
                double angle = (double) (past + p) * inv[j];
                cos[p * half + j] = (float) (Math.cos(angle) * a);
                sin[p * half + j] = (float) (Math.sin(angle) * a);
            }
        }
        return new Rope(cos, sin, r.dims());
    }

    /**
     * inv_freq for a sequence of seqLen positions (the longest of a batch, or the cached ones and
     * the new ones): dynamic scaling and longrope's choice of factors depend on it.
     */
    static double[] inverseFrequencies(LlamaConfig.Rotary r, int seqLen) {
        int d = r.dims();
        LlamaConfig.RopeScaling s = r.scaling();
        double base = r.theta();
        if (s != null && s.type().equals("dynamic") && seqLen > s.originalMaxPositions()) {
            // dynamic NTK: the base grows with the length once it passes max_position_embeddings
            base *= Math.pow(s.factor() * seqLen / s.originalMaxPositions() - (s.factor() - 1), d / (d - 2.0));
        }
        double[] inv = new double[d / 2];
        for (int j = 0; j < inv.length; j++) inv[j] = 1 / Math.pow(base, 2.0 * j / d);
        if (s == null) return inv;
        switch (s.type()) {
            case "linear" -> {
                for (int j = 0; j < inv.length; j++) inv[j] /= s.factor();
            }
            case "llama3" -> llama3(inv, s);
            case "longrope" -> {
                // transformers switches to the long factors only once the sequence outgrows the original context
                double[] ext = seqLen > s.originalMaxPositions() ? s.longFactor() : s.shortFactor();
                for (int j = 0; j < inv.length; j++) inv[j] /= ext[j];
            }
            default -> { } // dynamic: done above
        }
        return inv;
    }

    /**
     * Llama 3.1's rescaling: wavelengths longer than original / low_freq_factor are slowed by factor,
     * those shorter than original / high_freq_factor kept, and the band between interpolated smoothly.
     */
    private static void llama3(double[] inv, LlamaConfig.RopeScaling s) {
        double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
        for (int j = 0; j < inv.length; j++) {
            double wavelen = 2 * Math.PI / inv[j];
            if (wavelen > lowWavelen) {
                inv[j] /= s.factor();
            } else if (wavelen >= highWavelen) {
                double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                inv[j] = (1 - smooth) * inv[j] / s.factor() + smooth * inv[j];
            }
        }
    }
}
