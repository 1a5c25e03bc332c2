package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A tensor whose passes read the inputs kept from its first pass gives the bytes it gives when every
 * pass reads the inputs again: kept whole, kept in part (the rest read again, write slices straddling
 * the kept end), and the same room reused by the next tensor, whose passes must not see the last one's.
 */
class KeptInputsTest {
    static final int N = 3_000_000; // 184 chunks, blocks of 3
    static final ExecutorService POOL = Executors.newFixedThreadPool(2);
    static final ThreadLocal<Chunk> SCRATCH = ThreadLocal.withInitial(Chunk::new);

    @AfterAll
    static void stop() {
        POOL.shutdownNow();
    }

    /** Base, then two fine-tunes of it: the BF16 or F32 tensors of three models, seeded. */
    static List<Tensor> inputs(DType dtype, long seed) {
        Random r = new Random(seed);
        float[] base = new float[N];
        for (int i = 0; i < N; i++) base[i] = (float) r.nextGaussian();
        List<Tensor> out = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            float[] x = new float[N];
            for (int i = 0; i < N; i++) x[i] = m == 0 ? base[i] : base[i] + (float) (0.01 * r.nextGaussian());
            MemorySegment bytes = MemorySegment.ofArray(new byte[N * dtype.byteSize()]);
            Convert.fromF32(x, 0, N, dtype, bytes, 0);
            out.add(new Tensor("w" + m, dtype, new long[] {N}, bytes));
        }
        return out;
    }

    /** ties with rescale (three passes: cuts, norms, output), its output written in slices of `slice` chunks. */
    static byte[] ties(List<Tensor> in, KeptInputs kept, int slice) {
        TaskArithmetic ties = new TaskArithmetic(TaskArithmetic.Sparsify.MAGNITUDE, true, true, true, 1,
                new double[] {0.6, 0.4}, new double[] {0.3, 0.5}, new double[2], new double[2]);
        TensorJob job = new TensorJob("t", in, new long[] {N}, false, 0, POOL, SCRATCH, kept);
        TensorOp op = ties.prepare(job);
        DType dtype = in.getFirst().dtype();
        byte[] out = new byte[N * dtype.byteSize()];
        MemorySegment dst = MemorySegment.ofArray(out);
        for (int first = 0; first < job.chunks(); first += slice) {
            int last = Math.min(job.chunks(), first + slice);
            MemorySegment part = dst.asSlice((long) first * TensorJob.CHUNK * dtype.byteSize());
            job.write(op, dtype, part, first, last);
        }
        return out;
    }

    @Test
    void keptInputsGiveTheSameBytes() {
        for (DType dtype : new DType[] {DType.BF16, DType.F32}) {
            List<Tensor> first = inputs(dtype, 1), second = inputs(dtype, 2);
            byte[] wantFirst = ties(first, null, 50), wantSecond = ties(second, null, 50);
            long whole = 3L * N * dtype.byteSize();
            for (long capacity : new long[] {whole, whole / 3, 1}) {
                try (KeptInputs kept = new KeptInputs(capacity)) {
                    assertArrayEquals(wantFirst, ties(first, kept, 50), dtype + ", " + capacity + " bytes kept");
                    assertArrayEquals(wantSecond, ties(second, kept, 7), dtype + ", " + capacity + " bytes kept, the next tensor");
                }
            }
        }
    }
}
