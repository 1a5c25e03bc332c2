package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Draws makes SplittableRandom's nextDouble() stream and its comparisons, bit for bit. */
class DrawsTest {
    private static final long[] SEEDS = {0, 1, 42, -7, Long.MIN_VALUE, 0x123456789abcdefL};
    private static final int[] LENGTHS = {0, 1, 7, 8, 15, 16, 17, 100, 1000, 16384};

    @Test
    void drawsAreSplittableRandomsDoubles() {
        for (long seed : SEEDS) {
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < 1000; i++) assertEquals(r.nextDouble(), Draws.draw(seed, i) * 0x1p-53, "seed " + seed + " draw " + i);
        }
    }

    @Test
    void belowKeepsAsNextDoubleBelowP() {
        for (long seed : SEEDS) {
            // the last probability is a draw itself: that draw is not below it, as nextDouble() < p says
            double[] ps = {0, 1, 0.5, 0.3, 0.9, 1e-20, 1 - 1e-16, 2, Draws.draw(seed, 5) * 0x1p-53};
            for (double p : ps) {
                for (int n : LENGTHS) {
                    float[] want = new float[n], got = new float[n];
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int i = 0; i < n; i++) want[i] = r.nextDouble() < p ? 1f : 0f;
                    Draws.below(seed, p, got, n);
                    assertArrayEquals(want, got, "seed " + seed + " p " + p + " n " + n);
                }
            }
        }
    }

    @Test
    void belowEachKeepsAsNextDoubleBelowEachP() {
        SplittableRandom source = new SplittableRandom(3);
        for (long seed : SEEDS) {
            for (int n : LENGTHS) {
                float[] p = new float[n];
                for (int i = 0; i < n; i++) {
                    // some probabilities as near their draw as a float gets, on either side
                    p[i] = i % 3 == 0 ? (float) (Draws.draw(seed, i) * 0x1p-53) : (float) source.nextDouble();
                }
                float[] want = new float[n];
                SplittableRandom r = new SplittableRandom(seed);
                for (int i = 0; i < n; i++) want[i] = r.nextDouble() < p[i] ? 1f : 0f;
                float[] got = p.clone();
                Draws.belowEach(seed, got, got, n); // in place, as DELLA calls it
                assertArrayEquals(want, got, "seed " + seed + " n " + n);
            }
        }
    }
}
