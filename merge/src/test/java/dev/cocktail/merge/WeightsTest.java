package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cocktail.engine.CocktailException;
import org.junit.jupiter.api.Test;

/** The weight checks that mix and extrapolate share. */
class WeightsTest {

    @Test
    void oneFiniteWeightPerModelSummingToOne() {
        assertArrayEquals(new float[] {0.2f, 0.8f}, Weights.checked(Weights.of(new double[] {0.2, 0.8}), 2, false, ""));
        assertEquals("got 2 weights for 3 models; give one weight per model.",
                assertThrows(CocktailException.class, () -> Weights.checked(new float[] {0.5f, 0.5f}, 3, false, "")).getMessage());
        String sum = assertThrows(CocktailException.class, () -> Weights.checked(new float[] {0.5f, 0.6f}, 2, false, "; or else")).getMessage();
        assertEquals("the weights sum to " + ((double) 0.5f + (double) 0.6f) + ", not 1; or else.", sum);
        Weights.checked(new float[] {0.5f, 0.6f}, 2, true, "");
        assertEquals("weight 1 is 1.0E39, not a finite float32 number.",
                assertThrows(CocktailException.class, () -> Weights.of(new double[] {1e39, 0})).getMessage());
        assertEquals("weight 2 is NaN, not a finite float32 number.",
                assertThrows(CocktailException.class, () -> Weights.of(new double[] {1, Double.NaN})).getMessage());
        assertEquals("weight 1 is NaN, not a finite float32 number.", assertThrows(CocktailException.class,
                () -> Weights.checked(new float[] {Float.NaN, 1}, 2, true, "")).getMessage());
    }
}
