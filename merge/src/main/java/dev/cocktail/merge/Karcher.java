package dev.cocktail.merge;

/**
 * The Karcher (Riemannian) mean on the unit sphere, as mergekit's karcher: every input weighs 1/n;
 * the directions' mean is refined for up to max_iter steps (stopping when the tangent is under tol),
 * then scaled by the mean of the norms. Every iterate is a combination of the inputs, so the
 * iteration runs on coefficients with the inputs' Gram matrix (one pass), and a second pass forms
 * the result as sum_j a_j x_j.
 */
final class Karcher {
    private Karcher() {}

    static TensorMerge of(int maxIter, double tol) {
        return job -> {
            int n = job.inputs();
            double[] g = job.reduce(n * n, (c, acc) -> {
                for (int i = 0; i < n; i++) for (int j = i; j < n; j++) acc[i * n + j] += MergeKernels.dot(c.in[i], c.in[j], c.n);
            });
            for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) g[i * n + j] = g[j * n + i];
            double[] a = coefficients(g, n, maxIter, tol);
            float[] fa = new float[n];
            for (int i = 0; i < n; i++) fa[i] = (float) a[i];
            return c -> {
                MergeKernels.scale(c.in[0], fa[0], c.out, c.n);
                for (int i = 1; i < n; i++) MergeKernels.addScaled(c.out, fa[i], c.in[i], c.n);
            };
        };
    }

    /** The result's coefficients over the inputs, given their Gram matrix g (n x n). */
    static double[] coefficients(double[] g, int n, int maxIter, double tol) {
        double[] result = new double[n];
        if (n == 1) {
            result[0] = 1;
            return result;
        }
        double[] norm = new double[n];
        for (int i = 0; i < n; i++) norm[i] = Math.sqrt(g[i * n + i]);
        // u[i][j]: the dot product of the unit directions i and j (zero vectors have none)
        double[][] u = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
            u[i][j] = norm[i] == 0 || norm[j] == 0 ? 0 : g[i * n + j] / (norm[i] * norm[j]);
        }
        int[] valid = java.util.stream.IntStream.range(0, n).filter(i -> norm[i] > tol).toArray();
        if (valid.length == 0) return result;
        double[] alpha = new double[n];
        for (int i : valid) alpha[i] = 1.0 / valid.length;
        // mean, as coefficients over the unit directions
        double[] mean = new double[n];
        for (int i : valid) mean[i] = alpha[i];
        double mn = Math.sqrt(quad(u, mean));
        if (mn < tol) {
            java.util.Arrays.fill(mean, 0);
            mean[valid[0]] = 1;
        } else {
            for (int i = 0; i < n; i++) mean[i] /= mn;
        }
        for (int iter = 0; iter < maxIter; iter++) {
            double[] tangent = new double[n];
            for (int i : valid) {
                double dot = Math.max(-1, Math.min(1, dot(u, mean, i)));
                double theta = Math.acos(dot);
                if (theta < tol) continue;
                double f = alpha[i] * theta / Math.sin(theta);
                tangent[i] += f;
                for (int j = 0; j < n; j++) tangent[j] -= f * dot * mean[j];
            }
            double tn = Math.sqrt(quad(u, tangent));
            if (tn < tol) break;
            for (int j = 0; j < n; j++) mean[j] = Math.cos(tn) * mean[j] + Math.sin(tn) * tangent[j] / tn;
            double un = Math.sqrt(quad(u, mean));
            if (un > tol) for (int j = 0; j < n; j++) mean[j] /= un;
        }
        double scale = 0;
        for (int i = 0; i < n; i++) scale += norm[i] / n;
        for (int j = 0; j < n; j++) result[j] = norm[j] == 0 ? 0 : scale * mean[j] / norm[j];
        return result;
    }

    /** c^T U c */
    private static double quad(double[][] u, double[] c) {
        double s = 0;
        for (int i = 0; i < c.length; i++) for (int j = 0; j < c.length; j++) s += c[i] * u[i][j] * c[j];
        return s;
    }

    /** (sum_j c_j unit_j) . unit_i */
    private static double dot(double[][] u, double[] c, int i) {
        double s = 0;
        for (int j = 0; j < c.length; j++) s += c[j] * u[j][i];
        return s;
    }
}
