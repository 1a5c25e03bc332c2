package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Cuts keep exactly the k highest scores, equal scores by position, earlier first (a stable sort by
 * score, descending), whichever way they are found: a band from the sample, a band the sample
 * misjudged, a run of equal scores too long to collect, or a tensor small enough to sample whole.
 */
class RankCutTest {
    static final ExecutorService POOL = Executors.newFixedThreadPool(2);
    /** One scratch for every job, as a merge has: each cut reuses the arrays the one before left filled. */
    static final ThreadLocal<Chunk> SCRATCH = ThreadLocal.withInitial(Chunk::new);

    @AfterAll
    static void stop() {
        POOL.shutdownNow();
    }

    /** The scores are |x|: a job over a zero base and x. */
    static TensorJob job(float[] x) {
        List<Tensor> sources = List.of(
                new Tensor("base", DType.F32, new long[] {x.length}, MemorySegment.ofArray(new float[x.length])),
                new Tensor("x", DType.F32, new long[] {x.length}, MemorySegment.ofArray(x)));
        return new TensorJob("t", sources, new long[] {x.length}, false, 0, POOL, SCRATCH);
    }

    static final RankCut.Score MAGNITUDE = (c, s) -> {
        for (int i = 0; i < c.n; i++) s[i] = Math.abs(c.in[1][i] - c.in[0][i]);
    };

    /** Checks cuts for several k, found together, against a stable sort. */
    static void check(float[] x, long... ks) {
        check(job(x), MAGNITUDE, x, ks);
    }

    /** The same for the cuts of `score` in job, whose scores are `scores` (their magnitudes rank). */
    static void check(TensorJob job, RankCut.Score score, float[] scores, long... ks) {
        RankCut.Finder finder = new RankCut.Finder(job, 0);
        RankCut[] cuts = new RankCut[ks.length];
        for (int j = 0; j < ks.length; j++) cuts[j] = finder.top(score, ks[j]);
        finder.find();
        long[] order = new long[scores.length]; // highest score first, then position
        for (int i = 0; i < scores.length; i++) {
            order[i] = (long) (0x7FFFFFFF - (Float.floatToRawIntBits(scores[i]) & 0x7FFFFFFF)) << 32 | i;
        }
        Arrays.sort(order);
        for (int j = 0; j < ks.length; j++) {
            boolean[] kept = new boolean[scores.length];
            for (int r = 0; r < ks[j]; r++) kept[(int) order[r]] = true;
            RankCut cut = cuts[j];
            long wrong = Arrays.stream(job.perChunk((c, one) -> {
                float[] s = c.tmp(1), mask = c.tmp(2);
                score.fill(c, s);
                cut.mask(c, s, mask);
                for (int i = 0; i < c.n; i++) if ((mask[i] == 1f) != kept[(int) c.from + i]) one[0]++;
            })).sum();
            assertEquals(0, wrong, "k = " + ks[j] + " of " + scores.length);
        }
    }

    static long[] ks(int n) {
        return new long[] {0, 1, n / 10, n / 3, n / 2, n - 1, n};
    }

    @Test
    void gaussianScores() {
        Random r = new Random(1);
        for (int n : new int[] {1000, 100_000, 3_000_000}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
            check(x, ks(n));
        }
    }

    @Test
    void fewDistinctScoresAreCutByPosition() {
        Random r = new Random(2);
        for (int n : new int[] {40_000, 3_000_000}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (r.nextInt(9) - 4) * 0.25f;
            check(x, ks(n));
        }
    }

    /**
     * Scores rising with position: the band's scores all sit in one or two blocks, far more than a
     * block's share of the band, so those blocks outgrow their region of the band's store.
     */
    @Test
    void bandScoresCrowdedIntoFewBlocks() {
        int n = 3_000_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (i + 1) * 1e-3f;
        check(x, n / 3, n / 2);
    }

    /** Zeros make up most of the tensor: a band around the cut would hold more scores than are collected. */
    @Test
    void longRunsOfEqualScores() {
        Random r = new Random(3);
        int n = 3_000_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextInt(10) < 7 ? 0f : (float) r.nextGaussian();
        check(x, n / 10, n / 2, 2 * n / 3);
    }

    /**
     * Scores that differ exactly where the sample looks mislead the band: with 2^20 elements the
     * sample is 256 runs of 32 elements, one every 4096.
     */
    @Test
    void aMisjudgedBandFallsBackToTheExactSelection() {
        int n = 1 << 20;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i % 4096 < 32 ? 1f : 2f + i % 7;
        check(x, n / 2, n - 100);
    }

    /**
     * BF16 inputs whose scores are their difference: the cut pass counts them from the read bytes,
     * widened in registers, and must keep what a sort of the F32 differences keeps (BF16's few
     * mantissa bits make many equal scores; the lengths leave a scalar tail).
     */
    @Test
    void bf16DifferencesAreCutFromTheirBits() {
        Random r = new Random(4);
        for (int n : new int[] {1001, 100_003, 3_000_001}) {
            MemorySegment base = MemorySegment.ofArray(new short[n]), x = MemorySegment.ofArray(new short[n]);
            float[] scores = new float[n];
            ValueLayout.OfShort bf16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                short b = (short) (Float.floatToRawIntBits((float) r.nextGaussian()) >>> 16);
                short v = (short) (Float.floatToRawIntBits((float) r.nextGaussian() * 0.01f + Float.intBitsToFloat(b << 16)) >>> 16);
                base.setAtIndex(bf16, i, b);
                x.setAtIndex(bf16, i, v);
                scores[i] = Float.intBitsToFloat(v << 16) - Float.intBitsToFloat(b << 16);
            }
            List<Tensor> sources = List.of(new Tensor("base", DType.BF16, new long[] {n}, base),
                    new Tensor("x", DType.BF16, new long[] {n}, x));
            TensorJob job = new TensorJob("t", sources, new long[] {n}, false, 0, POOL, SCRATCH);
            check(job, new RankCut.Difference(1, 0), scores, ks(n));
        }
    }
}
