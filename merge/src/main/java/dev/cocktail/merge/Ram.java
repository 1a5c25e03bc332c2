package dev.cocktail.merge;

/**
 * mergekit's ram and ramplus_tl (Reinforced Agent Merging) onto the base (input 0): task vectors
 * d_i = x_i - base; an element counts as changed by model i when |d_i| > epsilon. An element changed
 * by one model takes that model's delta (times lambda_i for ramplus_tl), one changed by several the
 * mean of their deltas; deltas of at most epsilon are dropped.
 *
 * ramplus_tl's lambda_i = 1 + r clamp(shared_i / max(unique_i, epsilon), 0, alpha), counted over the
 * tensor: shared_i elements model i changes together with another model, unique_i alone. The
 * arithmetic is mergekit's, in float32, term by term in input order.
 */
final class Ram {
    private Ram() {}

    static TensorMerge ram(double epsilon) {
        float eps = (float) epsilon;
        return job -> {
            float[] lambda = new float[job.inputs() - 1];
            java.util.Arrays.fill(lambda, 1f);
            return c -> merge(c, eps, lambda);
        };
    }

    static TensorMerge ramPlus(double r, double alpha, double epsilon) {
        float eps = (float) epsilon;
        return job -> {
            int k = job.inputs() - 1;
            long[] counts = job.count(2 * k, (c, acc) -> {
                for (int e = 0; e < c.n; e++) {
                    int changed = changedBy(c, e, eps);
                    for (int i = 0; i < k; i++) {
                        if (Math.abs(c.in[i + 1][e] - c.in[0][e]) > eps) acc[2 * i + (changed > 1 ? 0 : 1)]++;
                    }
                }
            });
            float[] lambda = new float[k];
            for (int i = 0; i < k; i++) {
                float rho = (float) counts[2 * i] / Math.max((float) counts[2 * i + 1], eps);
                lambda[i] = 1 + (float) r * Math.min(Math.max(rho, 0f), (float) alpha);
            }
            return c -> merge(c, eps, lambda);
        };
    }

    /** How many models change element e by more than eps. */
    private static int changedBy(Chunk c, int e, float eps) {
        int n = 0;
        for (int i = 1; i < c.in.length; i++) if (Math.abs(c.in[i][e] - c.in[0][e]) > eps) n++;
        return n;
    }

    private static void merge(Chunk c, float eps, float[] lambda) {
        for (int e = 0; e < c.n; e++) {
            float base = c.in[0][e];
            int changed = changedBy(c, e, eps);
            float sum = 0;
            for (int i = 1; i < c.in.length; i++) {
                float d = c.in[i][e] - base;
                if (Math.abs(d) <= eps) continue;
                sum += changed == 1 ? d * lambda[i - 1] : d / changed;
            }
            c.out[e] = base + sum;
        }
    }
}
