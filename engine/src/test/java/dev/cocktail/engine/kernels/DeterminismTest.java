package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The kernels give the same bits for the same input however often they run: the first calls run
 * interpreted, later ones compiled, and a lane sum whose order the JIT chose (reduceLanes) changed
 * the decoding matmul (dot products) and the norms after a few hundred calls; the Vector API's TANH
 * (compiled: a vector math library, else Math.tanh per lane) could change GeGLU and softcapping.
 */
class DeterminismTest {

    private static void sameEveryTime(String what, Supplier<float[]> op) {
        float[] first = op.get();
        for (int i = 0; i < 3000; i++) assertArrayEquals(first, op.get(), what + ", call " + (i + 2));
    }

    @Test
    void repeatedCallsGiveTheSameBits() {
        Random rnd = new Random(7);
        Tensor w = GemmTest.weight(DType.F32, 96, 48, rnd);
        float[] norm = new float[48];
        for (int i = 0; i < norm.length; i++) norm[i] = (float) rnd.nextGaussian();
        for (int rows : new int[] {3, 40}) {
            float[] x = new float[rows * 48];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            sameEveryTime("matmul of " + rows + " rows", () -> {
                float[] out = new float[rows * 96];
                Kernels.cpu().matmul(x, rows, w, null, out);
                return out;
            });
            sameEveryTime("geglu (tanh) of " + rows + " rows", () -> {
                float[] gate = x.clone();
                Kernels.cpu().gegluTanh(gate, x, gate.length);
                return gate;
            });
            sameEveryTime("softcap of " + rows + " rows", () -> {
                float[] scores = x.clone();
                Activations.softcap(scores, 0, scores.length, 7f, 1.5f);
                return scores;
            });
            sameEveryTime("rmsnorm of " + rows + " rows", () -> {
                float[] out = new float[rows * 48];
                Kernels.cpu().rmsnorm(x, out, rows, 48, norm, 1e-6f);
                return out;
            });
        }
    }
}
