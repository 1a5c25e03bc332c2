package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Norms, SwiGLU, GeGLU, softcapping, softmax and RoPE against scalar double references, on widths with tails. */
class ElementwiseTest {
    final Random rnd = new Random(11);
    final int rows = 5, dim = 37;

    @Test
    void rmsnormAndLayernorm() {
        float[] x = AttentionTest.random(rows * dim, rnd), w = AttentionTest.random(dim, rnd), b = AttentionTest.random(dim, rnd);
        float[] rms = new float[x.length], ln = new float[x.length];
        Kernels.cpu().rmsnorm(x, rms, rows, dim, w, 1e-6f);
        Kernels.cpu().layernorm(x, ln, rows, dim, w, b, 1e-12f);
        for (int r = 0; r < rows; r++) {
            double ss = 0, mean = 0, var = 0;
            for (int i = 0; i < dim; i++) {
                ss += (double) x[r * dim + i] * x[r * dim + i];
                mean += x[r * dim + i];
            }
            mean /= dim;
            for (int i = 0; i < dim; i++) var += (x[r * dim + i] - mean) * (x[r * dim + i] - mean);
            for (int i = 0; i < dim; i++) {
                double e1 = x[r * dim + i] / Math.sqrt(ss / dim + 1e-6) * w[i];
                double e2 = (x[r * dim + i] - mean) / Math.sqrt(var / dim + 1e-12) * w[i] + b[i];
                assertTrue(Math.abs(e1 - rms[r * dim + i]) < 1e-5 && Math.abs(e2 - ln[r * dim + i]) < 1e-5, "row " + r + " col " + i);
            }
        }
    }

    @Test
    void swigluAndSoftmax() {
        float[] g = AttentionTest.random(dim, rnd), u = AttentionTest.random(dim, rnd), s = g.clone(), gated = g.clone();
        Kernels.cpu().swiglu(gated, u, dim);
        Activations.softmax(s, 3, dim, 1f);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 3; i < dim; i++) max = Math.max(max, g[i]);
        for (int i = 3; i < dim; i++) sum += Math.exp(g[i] - max);
        for (int i = 0; i < dim; i++) {
            double silu = g[i] / (1 + Math.exp(-g[i])) * u[i];
            assertTrue(Math.abs(silu - gated[i]) < 1e-6, "swiglu " + i);
            if (i >= 3) assertTrue(Math.abs(Math.exp(g[i] - max) / sum - s[i]) < 1e-7, "softmax " + i);
            else assertTrue(s[i] == g[i], "softmax touched outside its range");
        }
    }

    @Test
    void gegluTanhAndSoftcap() {
        float[] g = AttentionTest.random(dim, rnd), u = AttentionTest.random(dim, rnd);
        for (int i = 0; i < dim; i++) g[i] *= 3; // reach the tails of tanh
        float[] gated = g.clone(), capped = g.clone();
        Kernels.cpu().gegluTanh(gated, u, dim);
        Activations.softcap(capped, 2, dim, 0.5f, 1.5f);
        for (int i = 0; i < dim; i++) {
            double x = g[i], gelu = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            assertTrue(Math.abs(gelu * u[i] - gated[i]) < 1e-5, "geglu " + i);
            double cap = i < 2 ? x : 1.5 * Math.tanh(x * 0.5 / 1.5);
            assertTrue(Math.abs(cap - capped[i]) < 1e-6, "softcap " + i);
        }
    }

    /** Near 0 tanh is x itself: the softcap keeps its relative accuracy there, and its sign, down to -0. */
    @Test
    void softcapKeepsSmallScoresAccurate() {
        float[] x = new float[dim];
        for (int i = 0; i < dim; i++) x[i] = (float) ((i % 2 == 0 ? 1 : -1) * Math.pow(10, -8 + 8.0 * i / dim));
        x[0] = -0f;
        float[] capped = x.clone();
        Activations.softcap(capped, 0, dim, 1f, 50f);
        assertTrue(Float.floatToRawIntBits(capped[0]) == Float.floatToRawIntBits(-0f), "tanh(-0) is -0");
        for (int i = 1; i < dim; i++) {
            double want = 50 * Math.tanh(x[i] / 50.0);
            assertTrue(Math.abs(want - capped[i]) <= 6e-7 * Math.abs(want), "softcap of " + x[i] + ": " + capped[i] + ", not " + want);
        }
    }

    /** A score's bits do not depend on where it sits in the row: the tail goes through the vectors' formula. */
    @Test
    void softcapGivesATailElementTheBitsItGetsInAFullVector() {
        int lanes = Activations.F.length();
        for (int t = 0; t < 200; t++) {
            float v = (float) (rnd.nextGaussian() * 40);
            float[] inVector = new float[lanes], inTail = new float[lanes + 1];
            inVector[0] = v;
            inTail[lanes] = v;
            Activations.softcap(inVector, 0, lanes, 0.125f, 30f);
            Activations.softcap(inTail, 0, lanes + 1, 0.125f, 30f);
            assertTrue(Float.floatToRawIntBits(inVector[0]) == Float.floatToRawIntBits(inTail[lanes]), "softcap of " + v);
        }
    }

    /** T5's gelu_new, within rounding of its float exponent of a double reference, over both tails and near zero, with a masked last vector. */
    @Test
    void geluTanhMatchesTheTanhFormula() {
        float[] x = new float[1001];
        for (int i = 0; i < x.length; i++) x[i] = (i - 500) / 25f; // -20 to 20 in steps of 0.04
        x[500] = 1e-30f;
        float[] y = x.clone();
        Kernels.cpu().geluTanh(y, y.length);
        for (int i = 0; i < x.length; i++) {
            double v = x[i], u = Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v);
            double tanhForm = 0.5 * v * (1 + Math.tanh(u)), ref = v / (1 + Math.exp(-2 * u)); // equal; the second keeps the negative tail's digits
            assertTrue(Math.abs(tanhForm - ref) < 1e-12, "the reference at " + v);
            // a float exponent 2u is off by up to half an ulp of 2u, which exp turns into a relative error of about
            // |2u| 2^-24: the negative tail (exp(-2u) large) is exactly as accurate as its exponent
            double ulps = 8 + 2 * Math.abs(2 * u);
            assertTrue(Math.abs(y[i] - ref) <= ulps * Math.ulp((float) ref) + 1e-30, "gelu_new(" + v + "): " + y[i] + " vs " + ref);
        }
    }

    @Test
    void ropeRotatesHalvesByPosition() {
        rope(22, 22);
    }

    /** Phi-3's partial rotary factor: only the first dims of each head turn, the rest pass through. */
    @Test
    void ropeOnLeadingDimsLeavesTheRest() {
        rope(22, 14);
    }

    private void rope(int hd, int rotary) {
        int heads = 2, seqLen = 3, half = rotary / 2;
        float[] x = AttentionTest.random(2 * seqLen * heads * hd, rnd), y = x.clone();
        float[] cos = new float[seqLen * half], sin = new float[seqLen * half];
        for (int p = 0; p < seqLen; p++) {
            for (int j = 0; j < half; j++) {
                double angle = p * Math.pow(10000, -2.0 * j / rotary);
                cos[p * half + j] = (float) Math.cos(angle);
                sin[p * half + j] = (float) Math.sin(angle);
            }
        }
        Kernels.cpu().rope(y, 2 * seqLen, seqLen, heads, hd, rotary, cos, sin);
        for (int r = 0; r < 2 * seqLen; r++) {
            int p = r % seqLen;
            for (int h = 0; h < heads; h++) {
                for (int j = 0; j < hd; j++) {
                    double angle = p * Math.pow(10000, -2.0 * (j % half) / rotary);
                    int o = (r * heads + h) * hd;
                    double other = j < half ? -x[o + j + half] : j < rotary ? x[o + j - half] : 0;
                    double ref = j < rotary ? x[o + j] * Math.cos(angle) + other * Math.sin(angle) : x[o + j];
                    assertTrue(Math.abs(ref - y[o + j]) < 1e-5, "row " + r + " head " + h + " dim " + j);
                }
            }
        }
    }
}
