package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mergekit's degenerate-router warning: the condition number of each layer's experts x hidden matrix. */
class MoeRoutersTest {

    @Test
    void eigenvaluesOfASymmetricMatrix() {
        // [[2, 1, 0], [1, 2, 0], [0, 0, 5]]: eigenvalues 1, 3, 5
        double[] e = MoeRouters.eigenvalues(new double[][] {{2, 1, 0}, {1, 2, 0}, {0, 0, 5}});
        Arrays.sort(e);
        assertArrayEquals(new double[] {1, 3, 5}, e, 1e-12);
    }

    @Test
    void layersWithNearlyParallelRoutersAreDegenerate() {
        // layer 0: orthogonal unit rows (condition 1); layer 1: rows 0.1 apart (condition about 20); layer 2: equal rows
        float[][] routers = {{1, 0, 0, 0, 1, 0}, {1, 0, 0, 1, 0.1f, 0}, {0, 1, 0, 0, 1, 0}};
        assertEquals(List.of(1, 2), MoeRouters.degenerateLayers(routers, 2, 3));
    }
}
