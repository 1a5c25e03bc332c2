package dev.cocktail.engine.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise kernels over [from, to): residual add, SwiGLU, exact GELU, softmax. */
final class Activations {
    private Activations() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** As many floats as Erf.D has doubles, so a float vector widens to one double vector. */
    static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class, VectorShape.forBitSize(Erf.D.vectorBitSize() / 2));

    /** acc += x. */
    static void add(float[] acc, float[] x, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            FloatVector.fromArray(F, acc, i).add(FloatVector.fromArray(F, x, i)).intoArray(acc, i);
        }
        for (; i < to; i++) acc[i] += x[i];
    }

    /** gate = gate / (1 + exp(-gate)) * up. */
    static void swiglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector silu = g.div(g.neg().lanewise(VectorOperators.EXP).add(1f));
            silu.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) gate[i] = (float) (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
    }

    /**
     * x = 0.5 x erfc(-x / sqrt 2), which is 0.5 x (1 + erf(x / sqrt 2)) without its cancellation for
     * negative x; computed in double lanes, the last partial vector under a mask.
     */
    static void gelu(float[] x, int from, int to) {
        for (int i = from; i < to; i += HALF.length()) {
            VectorMask<Float> m = HALF.indexInRange(i, to);
            DoubleVector d = (DoubleVector) FloatVector.fromArray(HALF, x, i, m).convertShape(VectorOperators.F2D, Erf.D, 0);
            DoubleVector y = d.mul(0.5).mul(Erf.erfc(d.mul(-1 / Math.sqrt(2))));
            ((FloatVector) y.convertShape(VectorOperators.D2F, HALF, 0)).intoArray(x, i, m);
        }
    }

    /** x[from..to) = exp(x - max) / sum exp(x - max). */
    static void softmax(float[] x, int from, int to) {
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = from, bound = from + F.loopBound(to - from);
        for (; i < bound; i += F.length()) mv = mv.max(FloatVector.fromArray(F, x, i));
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < to; i++) max = Math.max(max, x[i]);
        FloatVector sv = FloatVector.zero(F);
        for (i = from; i < bound; i += F.length()) {
            FloatVector e = FloatVector.fromArray(F, x, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, i);
            sv = sv.add(e);
        }
        float sum = sv.reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        for (i = from; i < bound; i += F.length()) FloatVector.fromArray(F, x, i).mul(inv).intoArray(x, i);
        for (; i < to; i++) x[i] *= inv;
    }
}
