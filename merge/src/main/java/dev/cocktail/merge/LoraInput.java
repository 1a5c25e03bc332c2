package dev.cocktail.merge;

import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A base model's tensor as a LoRA adapter changes it, computed while a merge reads it: the stored
 * tensor (the base's, or the adapter's own copy of a modules_to_save weight), plus scale * L R when
 * the adapter factors a delta, rounded to the base's dtype, as PEFT's merge_and_unload leaves the
 * weight (mergekit merges `model+lora` inputs that way). Only one row of the delta exists at a time.
 *
 * @param stored what is read: the base tensor or its replacement
 * @param delta the low-rank delta, or null for a replacement alone
 * @param dtype the base tensor's dtype, which the sum is rounded to
 */
record LoraInput(Tensor stored, Delta delta, DType dtype) {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * delta = scale * L R, with L rows x rank and R rank x cols taken from PEFT's lora_A (rank x in)
     * and lora_B (out x rank): L = B and R = A for a linear layer, whose weight is out x in; L = A^T
     * and R = B^T when the weight is stored in x out (fan_in_fan_out, and embeddings, whose
     * lora_embedding_A is rank x vocabulary).
     */
    record Delta(Tensor a, Tensor b, boolean transposed, float scale) {}

    /** The factors widened to F32, for one tensor's job. */
    record Factors(float[] left, float[] right, int rank, int cols, float scale) {}

    /** Widens the delta's factors (null without a delta): held while one output tensor is computed. */
    Factors factors() {
        if (delta == null) return null;
        float[] a = values(delta.a()), b = values(delta.b());
        int r = delta.a().dim(0), in = delta.a().dim(1), out = delta.b().dim(0);
        return delta.transposed()
                ? new Factors(transpose(a, r, in), transpose(b, out, r), r, out, delta.scale())
                : new Factors(b, a, r, in, delta.scale());
    }

    /**
     * Turns dst[pos, pos + n), which holds the stored tensor's elements [from, from + n) widened to
     * F32, into the adapted tensor's; row is a scratch array of at least one row.
     */
    void apply(Factors f, float[] dst, int pos, long from, int n, float[] row) {
        if (f != null) {
            int done = 0;
            while (done < n) {
                long e = from + done;
                int i = (int) (e / f.cols()), col = (int) (e % f.cols()), len = Math.min(f.cols() - col, n - done);
                deltaRow(f, i, col, len, row);
                for (int j = 0; j < len; j++) dst[pos + done + j] += f.scale() * row[j];
                done += len;
            }
        }
        if (dtype == DType.BF16 || dtype == DType.F16) round(dst, pos, n);
    }

    /** row[0, len) = (L R)[i, col .. col + len), the rank terms added in order with fused multiply-adds. */
    private static void deltaRow(Factors f, int i, int col, int len, float[] row) {
        java.util.Arrays.fill(row, 0, len, 0f);
        int r = f.rank(), cols = f.cols(), bound = F.loopBound(len);
        for (int k = 0; k < r; k++) {
            float l = f.left()[i * r + k];
            int base = k * cols + col, j = 0;
            FloatVector lv = FloatVector.broadcast(F, l);
            for (; j < bound; j += F.length()) {
                FloatVector.fromArray(F, f.right(), base + j).lanewise(VectorOperators.FMA, lv, FloatVector.fromArray(F, row, j))
                        .intoArray(row, j);
            }
            for (; j < len; j++) row[j] = Math.fma(f.right()[base + j], l, row[j]);
        }
    }

    /** Each value to the nearest of the base dtype, as the merged weight is stored there. */
    private void round(float[] x, int pos, int n) {
        for (int j = pos; j < pos + n; j++) {
            x[j] = dtype == DType.BF16 ? Convert.bf16ToF32(Convert.f32ToBf16(x[j])) : Convert.f16ToF32(Convert.f32ToF16(x[j]));
        }
    }

    /** A whole (small) tensor widened to F32. */
    static float[] values(Tensor t) {
        float[] v = new float[Math.toIntExact(t.elementCount())];
        t.toF32(0, v, 0, v.length);
        return v;
    }

    /** The cols x rows transpose of a row-major rows x cols matrix. */
    static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
        return t;
    }
}
