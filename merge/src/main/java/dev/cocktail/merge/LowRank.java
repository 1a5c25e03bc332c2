package dev.cocktail.merge;

import java.util.SplittableRandom;

/**
 * A truncated singular value decomposition D ~ B A of an m x n matrix, by randomized subspace
 * iteration (Halko, Martinsson and Tropp, 2011): the range of D is sampled with a seeded Gaussian
 * matrix, sharpened by two power iterations, and the small projected matrix is decomposed exactly
 * by one-sided Jacobi rotations. With rank + oversampling at least min(m, n) the sample spans the
 * whole range and the result is D's exact SVD, to rounding. The singular values are split evenly
 * between the factors, as mergekit's extract_lora does: A = sqrt(S) V^T (rank x n), B = U sqrt(S)
 * (m x rank). Everything runs in double, in one fixed order: the same input gives the same bits.
 */
final class LowRank {
    private LowRank() {}

    private static final int OVERSAMPLE = 8, POWER_ITERATIONS = 2, MAX_SWEEPS = 60;

    /** a: rank x n, b: m x rank, both row-major; rank = min(asked, m, n). */
    record Factors(float[] a, float[] b, int rank) {}

    static Factors factor(float[] d, int m, int n, int rank, long seed) {
        int k = Math.min(m, n), r = Math.min(rank, k), l = Math.min(r + OVERSAMPLE, k);
        SplittableRandom random = new SplittableRandom(seed);
        double[][] y = new double[l][];                                // columns of D Omega, m long
        for (int j = 0; j < l; j++) {
            double[] omega = new double[n];
            for (int i = 0; i < n; i++) omega[i] = random.nextGaussian();
            y[j] = times(d, m, n, omega);
        }
        orthonormalize(y);
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            double[][] z = new double[l][];
            for (int j = 0; j < l; j++) z[j] = transposeTimes(d, m, n, y[j]);
            orthonormalize(z);
            for (int j = 0; j < l; j++) y[j] = times(d, m, n, z[j]);
            orthonormalize(y);
        }
        // W = (Q^T D)^T: column j (n long) is D^T q_j; Jacobi makes W's columns orthogonal, W = V S U_B^T
        double[][] w = new double[l][];
        for (int j = 0; j < l; j++) w[j] = transposeTimes(d, m, n, y[j]);
        double[][] ub = identity(l);
        jacobi(w, ub);
        Integer[] order = new Integer[l];
        double[] sigma = new double[l];
        for (int j = 0; j < l; j++) {
            order[j] = j;
            sigma[j] = Math.sqrt(dot(w[j], w[j]));
        }
        java.util.Arrays.sort(order, (p, q) -> Double.compare(sigma[q], sigma[p]));
        float[] a = new float[r * n], b = new float[m * r];
        for (int c = 0; c < r; c++) {
            int j = order[c];
            double s = sigma[j], root = Math.sqrt(s);
            // row c of A: sqrt(s) v^T with v = w_j / s
            if (s > 0) for (int i = 0; i < n; i++) a[c * n + i] = (float) (w[j][i] / root);
            // column c of B: sqrt(s) Q u_j, u_j the j-th column of U_B
            for (int i = 0; i < m; i++) {
                double u = 0;
                for (int t = 0; t < l; t++) u += y[t][i] * ub[j][t]; // ub[j] holds column j of U_B
                b[i * r + c] = (float) (u * root);
            }
        }
        return new Factors(a, b, r);
    }

    /** D x for x of length n. */
    private static double[] times(float[] d, int m, int n, double[] x) {
        double[] out = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0, row = i * n; j < n; j++) s += d[row + j] * x[j];
            out[i] = s;
        }
        return out;
    }

    /** D^T x for x of length m. */
    private static double[] transposeTimes(float[] d, int m, int n, double[] x) {
        double[] out = new double[n];
        for (int i = 0; i < m; i++) {
            double xi = x[i];
            for (int j = 0, row = i * n; j < n; j++) out[j] += d[row + j] * xi;
        }
        return out;
    }

    /** Modified Gram-Schmidt, twice; a column with nothing left of its own becomes zero. */
    private static void orthonormalize(double[][] v) {
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < v.length; j++) {
                for (int p = 0; p < j; p++) {
                    double c = dot(v[p], v[j]);
                    for (int i = 0; i < v[j].length; i++) v[j][i] -= c * v[p][i];
                }
                double norm = Math.sqrt(dot(v[j], v[j]));
                for (int i = 0; i < v[j].length; i++) v[j][i] = norm > 1e-300 ? v[j][i] / norm : 0;
            }
        }
    }

    /** One-sided Jacobi: rotates pairs of w's columns until all are orthogonal, applying each rotation to u too. */
    private static void jacobi(double[][] w, double[][] u) {
        int l = w.length;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < l - 1; p++) {
                for (int q = p + 1; q < l; q++) {
                    double alpha = dot(w[p], w[p]), beta = dot(w[q], w[q]), gamma = dot(w[p], w[q]);
                    if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma == 0) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta == 0 ? 1 : zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    double c = 1 / Math.sqrt(1 + t * t), s = c * t;
                    rotate(w[p], w[q], c, s);
                    rotate(u[p], u[q], c, s);
                }
            }
            if (!rotated) return;
        }
    }

    private static void rotate(double[] x, double[] y, double c, double s) {
        for (int i = 0; i < x.length; i++) {
            double a = x[i], b = y[i];
            x[i] = c * a - s * b;
            y[i] = s * a + c * b;
        }
    }

    private static double[][] identity(int l) {
        double[][] e = new double[l][l];
        for (int i = 0; i < l; i++) e[i][i] = 1;
        return e;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }
}
