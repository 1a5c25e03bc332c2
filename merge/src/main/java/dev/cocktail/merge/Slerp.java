package dev.cocktail.merge;

/**
 * Spherical interpolation, as mergekit's slerp and nuslerp. Both results are a*v0 + b*v1 with
 * coefficients from the norms and the dot product of v0 and v1, so a statistics pass gathers
 * those (over the whole tensor, per row, or per column) and a second pass combines.
 */
final class Slerp {
    private Slerp() {}

    /** |cos| above which slerp falls back to linear interpolation. */
    static final double DOT_THRESHOLD = 0.9995;
    private static final double NORM_EPS = 1e-8;

    /**
     * slerp(t) of the flattened tensors: input 0 is the base (v0), input 1 the other model (v1).
     * Vectors are normalized only when their norm exceeds 1e-8; nearly parallel ones are lerped.
     */
    static TensorMerge slerp(double t) {
        return job -> {
            double[] s = job.reduce(3, (c, acc) -> stats(c.in[0], c.in[1], 0, c.n, acc, 0));
            double[] ab = slerpCoefficients(t, s[0], s[1], s[2]);
            return combine((float) ab[0], (float) ab[1], false);
        };
    }

    static double[] slerpCoefficients(double t, double n00, double n11, double n01) {
        double n0 = Math.sqrt(n00), n1 = Math.sqrt(n11);
        double dot = n01 / ((n0 > NORM_EPS ? n0 : 1) * (n1 > NORM_EPS ? n1 : 1));
        if (Math.abs(dot) > DOT_THRESHOLD) return new double[] {1 - t, t};
        double theta0 = Math.acos(dot), sin0 = Math.sin(theta0), thetaT = theta0 * t;
        return new double[] {Math.sin(theta0 - thetaT) / sin0, Math.sin(thetaT) / sin0};
    }

    /**
     * nuslerp: t = w1 / (w0 + w1) (0.5 when the weights sum to ~0). With a base (input 0), the
     * task vectors of inputs 1 and 2 are interpolated and added to it; without, inputs 0 and 1 are.
     * flatten: one pair of vectors per tensor; else rows (the last dimension), or columns when rowWise.
     */
    static TensorMerge nuslerp(double w0, double w1, boolean base, boolean flatten, boolean rowWise) {
        double t = Math.abs(w0 + w1) < 1e-6 ? 0.5 : w1 / (w0 + w1);
        int a = base ? 1 : 0;
        TensorMerge whole = job -> {
            double[] s = job.reduce(3, (c, acc) -> {
                deltas(c, base);
                stats(c.in[a], c.in[a + 1], 0, c.n, acc, 0);
            });
            double[] ab = nuslerpCoefficients(t, s[0], s[1], s[2]);
            return combine((float) ab[0], (float) ab[1], base);
        };
        if (flatten) return whole;
        if (rowWise) { // vectors run down the columns: gather per-column sums first
            return job -> {
                // mergekit transposes the first and last dimensions, which leaves a 1-D tensor one vector
                if (job.rank() <= 1) return whole.prepare(job);
                int cols = job.cols();
                double[] s = job.reduce(3 * cols, (c, acc) -> {
                    deltas(c, base);
                    for (int i = 0; i < c.n; i++) {
                        int j = (int) ((c.from + i) % cols);
                        float x = c.in[a][i], y = c.in[a + 1][i];
                        acc[3 * j] += (double) x * x;
                        acc[3 * j + 1] += (double) y * y;
                        acc[3 * j + 2] += (double) x * y;
                    }
                });
                float[][] ab = new float[2][cols];
                for (int j = 0; j < cols; j++) {
                    double[] k = nuslerpCoefficients(t, s[3 * j], s[3 * j + 1], s[3 * j + 2]);
                    ab[0][j] = (float) k[0];
                    ab[1][j] = (float) k[1];
                }
                return c -> {
                    deltas(c, base);
                    for (int i = 0; i < c.n; i++) {
                        int j = (int) ((c.from + i) % cols);
                        float v = ab[0][j] * c.in[a][i] + ab[1][j] * c.in[a + 1][i];
                        c.out[i] = base ? c.in[0][i] + v : v;
                    }
                };
            };
        }
        return TensorMerge.byRows(job -> { // one pair of vectors per row
            int cols = job.cols();
            return c -> {
                deltas(c, base);
                double[] s = new double[3];
                for (int row = 0; row < c.n; row += cols) {
                    s[0] = s[1] = s[2] = 0;
                    stats(c.in[a], c.in[a + 1], row, cols, s, 0);
                    double[] k = nuslerpCoefficients(t, s[0], s[1], s[2]);
                    for (int i = row; i < row + cols; i++) {
                        float v = (float) k[0] * c.in[a][i] + (float) k[1] * c.in[a + 1][i];
                        c.out[i] = base ? c.in[0][i] + v : v;
                    }
                }
            };
        });
    }

    static double[] nuslerpCoefficients(double t, double n00, double n11, double n01) {
        double eps = 1e-7; // mergekit clamps norms at 1e-7 before dividing
        double cos = n01 / (Math.max(Math.sqrt(n00), eps) * Math.max(Math.sqrt(n11), eps));
        double theta = Math.acos(Math.max(-1, Math.min(1, cos)));
        double sin = Math.sin(theta);
        if (Math.abs(sin) < 1e-8) return new double[] {1 - t, t};
        return new double[] {Math.sin((1 - t) * theta) / sin, Math.sin(t * theta) / sin};
    }

    /** With a base (input 0), every other input becomes its task vector (in place). */
    static void deltas(Chunk c, boolean base) {
        if (!base) return;
        for (int i = 1; i < c.in.length; i++) MergeKernels.sub(c.in[i], c.in[0], c.in[i], c.n);
    }

    /** acc[at..at+3) += (x.x, y.y, x.y) over [from, from + n). */
    private static void stats(float[] x, float[] y, int from, int n, double[] acc, int at) {
        if (from == 0) {
            acc[at] += MergeKernels.dot(x, x, n);
            acc[at + 1] += MergeKernels.dot(y, y, n);
            acc[at + 2] += MergeKernels.dot(x, y, n);
            return;
        }
        for (int i = from; i < from + n; i++) {
            acc[at] += (double) x[i] * x[i];
            acc[at + 1] += (double) y[i] * y[i];
            acc[at + 2] += (double) x[i] * y[i];
        }
    }

    /** out = a * v0 + b * v1 (plus the base, input 0, when v0 and v1 are task vectors 1 and 2). */
    private static TensorOp combine(float a, float b, boolean base) {
        return c -> {
            int i0 = base ? 1 : 0;
            deltas(c, base);
            MergeKernels.scale(c.in[i0], a, c.out, c.n);
            MergeKernels.addScaled(c.out, b, c.in[i0 + 1], c.n);
            if (base) MergeKernels.add(c.out, c.in[0], c.n);
        };
    }
}
