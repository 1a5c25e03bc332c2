package dev.cocktail.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise kernels over [from, to): residual add, SwiGLU, GeGLU (tanh GELU), exact GELU, softcapping, scaled softmax. */
final class Activations {
    private Activations() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** acc[ao..ao+n) += x[xo..xo+n). */
    static void add(float[] acc, int ao, float[] x, int xo, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, acc, ao + i).add(FloatVector.fromArray(F, x, xo + i)).intoArray(acc, ao + i);
        }
        for (; i < n; i++) acc[ao + i] += x[xo + i];
    }

    /** gate = gate / (1 + exp(-gate)) * up. */
    static void swiglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector silu = g.div(Exp.of(g.neg()).add(1f));
            silu.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) gate[i] = (float) (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
    }

    /** gate = gelu_tanh(gate) * up (Gemma's GeGLU); the last partial vector under a mask. */
    static void gegluTanh(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            geluTanh(FloatVector.fromArray(F, gate, i)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            geluTanh(FloatVector.fromArray(F, gate, i, m)).mul(FloatVector.fromArray(F, up, i, m)).intoArray(gate, i, m);
        }
    }

    /** x = gelu_tanh(x) (T5's gelu_new); the last partial vector under a mask. */
    static void geluTanh(float[] x, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            geluTanh(FloatVector.fromArray(F, x, i)).intoArray(x, i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            geluTanh(FloatVector.fromArray(F, x, i, m)).intoArray(x, i, m);
        }
    }

    /** sqrt(2 / pi), doubled: the sigmoid form below takes 2u. */
    private static final float GELU_TANH_2C = (float) (2 * Math.sqrt(2 / Math.PI));

    /**
     * PyTorch's tanh approximation of GELU, 0.5 x (1 + tanh(u)) with u = sqrt(2 / pi) (x + 0.044715 x^3),
     * written as x / (1 + exp(-2u)) (the same function: 0.5 (1 + tanh u) is the logistic function of 2u):
     * no cancellation in either tail, and exp through Exp, which gives the same bits on every code path
     * where the Vector API's TANH does not.
     */
    private static FloatVector geluTanh(FloatVector x) {
        FloatVector minus2u = x.mul(x).fma(0.044715f, 1f).mul(x).mul(-GELU_TANH_2C);
        return x.div(Exp.of(minus2u).add(1f));
    }

    /**
     * x = cap * tanh(x * scale / cap): scores squashed into (-cap, cap), as Gemma 2's logit softcapping;
     * the last partial vector under a mask, so that every element goes through the same formula whatever
     * its place in the row.
     */
    static void softcap(float[] x, int from, int to, float scale, float cap) {
        float s = scale / cap;
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            tanh(FloatVector.fromArray(F, x, i).mul(s)).mul(cap).intoArray(x, i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            tanh(FloatVector.fromArray(F, x, i, m).mul(s)).mul(cap).intoArray(x, i, m);
        }
    }

    /**
     * tanh(x) = -m / (2 + m) with m = expm1(-2|x|), the sign of x put back: from Exp alone, for the same
     * bits compiled or not, and without the cancellation of (1 - e) / (1 + e) near 0.
     */
    private static FloatVector tanh(FloatVector x) {
        FloatVector m = Exp.expm1(x.abs().mul(-2f));
        FloatVector t = m.neg().div(m.add(2f));
        return t.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
    }

    /**
     * x = x Phi(x), Phi(x) = 0.5 erfc(-x / sqrt 2): 0.5 erfc(|x| / sqrt 2) for negative x, so the tail
     * keeps its relative accuracy (1 + erf would cancel), and 1 - 0.5 erfc(x / sqrt 2) for positive x;
     * the last partial vector under a mask.
     */
    static void gelu(float[] x, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            gelu(FloatVector.fromArray(F, x, i)).intoArray(x, i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            gelu(FloatVector.fromArray(F, x, i, m)).intoArray(x, i, m);
        }
    }

    private static FloatVector gelu(FloatVector v) {
        FloatVector tail = Erf.gaussianTail(v);
        return v.mul(tail.blend(tail.neg().add(1f), v.compare(VectorOperators.GE, 0f)));
    }

    /** Attention scores x[from..to) to probabilities: scaled, softcapped when softcap > 0 (Gemma 2), softmax. */
    static void probabilities(float[] x, int from, int to, float scale, float softcap) {
        if (softcap > 0) {
            softcap(x, from, to, scale, softcap);
            softmax(x, from, to, 1f);
        } else {
            softmax(x, from, to, scale);
        }
    }

    /** x[from..to) = softmax(scale * x): x = scale * x, then exp(x - max) / sum exp(x - max). */
    static void softmax(float[] x, int from, int to, float scale) {
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = from, bound = from + F.loopBound(to - from);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i).mul(scale);
            v.intoArray(x, i);
            mv = mv.max(v);
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < to; i++) max = Math.max(max, x[i] *= scale);
        FloatVector sv = FloatVector.zero(F);
        for (i = from; i < bound; i += F.length()) {
            FloatVector e = Exp.of(FloatVector.fromArray(F, x, i).sub(max));
            e.intoArray(x, i);
            sv = sv.add(e);
        }
        float sum = LaneSum.of(sv);
        for (; i < to; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        for (i = from; i < bound; i += F.length()) FloatVector.fromArray(F, x, i).mul(inv).intoArray(x, i);
        for (; i < to; i++) x[i] *= inv;
    }
}
