package dev.cocktail.engine;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The NaN and infinite values of a model's floating tensors, counted as the merges see them (in
 * float32), reading each tensor a piece at a time so that memory stays bounded.
 */
public final class NonFinite {
    private NonFinite() {}

    /** A tensor holding `nan` NaNs and `infinite` infinities. */
    public record Count(String tensor, long nan, long infinite) {}

    private static final int PIECE = 1 << 20;

    /** The tensors that hold any, in the checkpoint's order. */
    public static List<Count> scan(Checkpoint checkpoint) {
        List<Count> found = new ArrayList<>();
        float[] values = new float[PIECE];
        MemorySegment raw = MemorySegment.ofArray(new byte[8 * PIECE]); // room for any dtype
        for (Tensor t : checkpoint.tensors()) {
            if (!t.dtype().isFloat()) continue;
            long nan = 0, infinite = 0, n = t.elementCount();
            for (long from = 0; from < n; from += PIECE) {
                int k = (int) Math.min(PIECE, n - from);
                t.read(from, k, raw);
                Convert.toF32(t.dtype(), raw, 0, values, 0, k);
                for (int i = 0; i < k; i++) {
                    if (Float.isNaN(values[i])) nan++;
                    else if (Float.isInfinite(values[i])) infinite++;
                }
            }
            if (nan + infinite > 0) found.add(new Count(t.name(), nan, infinite));
        }
        return found;
    }
}
