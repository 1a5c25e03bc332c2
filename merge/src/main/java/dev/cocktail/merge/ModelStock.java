package dev.cocktail.merge;

/**
 * Model Stock (arXiv 2403.19522), as mergekit: input 0 is the base w0, the others w_1..w_N (N >= 2).
 * cos = the mean over pairs of the cosine between offsets w_i - w0 (each clamped to [-1, 1], norms'
 * product clamped at 1e-6); t = N cos / (1 + (N - 1) cos); out = t * mean(w_i) + (1 - t) * w0.
 * Over the flattened tensor, or per row (the last dimension) when filter-wise.
 */
final class ModelStock {
    private ModelStock() {}

    static TensorMerge of(boolean filterWise) {
        if (!filterWise) {
            return job -> {
                int n = job.inputs() - 1;
                double[] gram = job.reduce(n * n, (c, acc) -> {
                    offsets(c);
                    gram(c, 0, c.n, acc);
                });
                return combine(ratio(gram, n));
            };
        }
        return new TensorMerge() {
            @Override
            public boolean rowWise() {
                return true;
            }

            @Override
            public TensorOp prepare(TensorJob job) {
                int n = job.inputs() - 1, cols = job.cols();
                return c -> {
                    double[] gram = new double[n * n];
                    float[] t = c.tmp(0);
                    for (int i = 1; i <= n; i++) MergeKernels.sub(c.in[i], c.in[0], c.tmp(i), c.n);
                    for (int row = 0; row < c.n; row += cols) {
                        gramRows(c, row, cols, gram, n);
                        java.util.Arrays.fill(t, row, row + cols, (float) ratio(gram, n));
                    }
                    for (int i = 0; i < c.n; i++) {
                        float sum = 0;
                        for (int m = 1; m <= n; m++) sum += c.in[m][i];
                        c.out[i] = t[i] * (sum / n) + (1 - t[i]) * c.in[0][i];
                    }
                };
            }
        };
    }

    /** t from the Gram matrix of the offsets. */
    static double ratio(double[] gram, int n) {
        double cos = 0;
        int pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double norms = Math.sqrt(gram[i * n + i]) * Math.sqrt(gram[j * n + j]);
                cos += Math.max(-1, Math.min(1, gram[i * n + j] / Math.max(norms, 1e-6)));
                pairs++;
            }
        }
        cos /= pairs;
        return n * cos / (1 + (n - 1) * cos);
    }

    /** Inputs 1..n become offsets from the base (in place). */
    private static void offsets(Chunk c) {
        for (int i = 1; i < c.in.length; i++) MergeKernels.sub(c.in[i], c.in[0], c.in[i], c.n);
    }

    private static void gram(Chunk c, int from, int len, double[] acc) {
        int n = c.in.length - 1;
        for (int i = 0; i < n; i++) for (int j = i; j < n; j++) acc[i * n + j] += MergeKernels.dot(c.in[i + 1], c.in[j + 1], len);
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) acc[i * n + j] = acc[j * n + i];
    }

    private static void gramRows(Chunk c, int row, int cols, double[] acc, int n) {
        for (int i = 0; i < n; i++) {
            float[] x = c.tmp(i + 1);
            for (int j = i; j < n; j++) {
                float[] y = c.tmp(j + 1);
                double s = 0;
                for (int e = row; e < row + cols; e++) s += (double) x[e] * y[e];
                acc[i * n + j] = s;
                acc[j * n + i] = s;
            }
        }
    }

    /** out = t * mean(w_i) + (1 - t) * w0. */
    private static TensorOp combine(double t) {
        float ft = (float) t;
        return c -> {
            int n = c.in.length - 1;
            float[] avg = c.tmp(0);
            System.arraycopy(c.in[1], 0, avg, 0, c.n);
            for (int i = 2; i <= n; i++) MergeKernels.add(avg, c.in[i], c.n);
            MergeKernels.scale(avg, 1f / n, avg, c.n);
            MergeKernels.scale(avg, ft, c.out, c.n);
            MergeKernels.addScaled(c.out, 1 - ft, c.in[0], c.n);
        };
    }
}
