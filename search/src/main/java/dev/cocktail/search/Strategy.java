package dev.cocktail.search;

import dev.cocktail.engine.CocktailException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.CMAESOptimizer;
import org.apache.commons.math3.random.MersenneTwister;

/**
 * How a search walks its space, on u in [0, 1]^n (Space.decode maps it to a point: dimensions scaled,
 * weights normalised by their sum). Both give the same candidates for the same space, budget and seed.
 */
public enum Strategy {
    /**
     * An even grid: at resolution r, r + 1 values per dimension and the simplex points whose weights
     * are multiples of 1/r; the finest resolution whose candidates fit in the budget.
     */
    GRID,
    /**
     * Apache Commons Math's CMA-ES (bounded to the unit cube, started at its centre with sigma 0.3,
     * its random numbers from a Mersenne Twister seeded by --seed), stopped after `budget` candidates
     * or when it converges.
     */
    CMAES;

    public static Strategy parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "grid" -> GRID;
            case "cmaes", "cma-es" -> CMAES;
            default -> throw CocktailException.about("the strategy", "the strategy '" + s + "' is neither grid nor cmaes.");
        };
    }

    /**
     * Scores candidates until the strategy is done.
     * @param cost a candidate's cost (lower better); it is called once per candidate, in order
     */
    void run(Space space, int budget, long seed, ToDoubleFunction<Point> cost) {
        switch (this) {
            case GRID -> grid(space, budget).forEach(cost::applyAsDouble);
            case CMAES -> cmaes(space, budget, seed, cost);
        }
    }

    /** How many candidates the strategy scores at most. */
    int candidates(Space space, int budget) {
        return this == GRID ? grid(space, budget).size() : budget;
    }

    static List<Point> grid(Space space, int budget) {
        int dims = space.dimensions().size(), k = space.weightNames().size();
        int r = 1;
        if (count(dims, k, 1) > budget) {
            throw CocktailException.about("the budget", "the budget " + budget + " is below the coarsest grid of this space (" + count(dims, k, 1)
                    + " candidates); raise it or use the cmaes strategy.");
        }
        while (r < 10_000 && count(dims, k, r + 1) <= budget) r++;
        List<Point> points = new ArrayList<>();
        int[] level = new int[dims];
        List<double[]> simplex = simplex(k, r);
        while (true) {
            for (double[] w : simplex) {
                double[] values = new double[dims];
                for (int i = 0; i < dims; i++) values[i] = space.dimensions().get(i).at((double) level[i] / r);
                points.add(new Point(values, w));
            }
            int i = dims - 1;
            while (i >= 0 && level[i] == r) level[i--] = 0;
            if (i < 0) return points;
            level[i]++;
        }
    }

    /** (r + 1)^dims * C(r + k - 1, k - 1) candidates, or more than any budget. */
    private static long count(int dims, int k, int r) {
        double n = Math.pow(r + 1, dims);
        for (int i = 1; i < k; i++) n = n * (r + i) / i;
        return n > Integer.MAX_VALUE ? Long.MAX_VALUE : Math.round(n);
    }

    /** The weights (c_1/r, ..., c_k/r) for every composition of r into k non-negative parts, first part largest first. */
    private static List<double[]> simplex(int k, int r) {
        List<double[]> out = new ArrayList<>();
        if (k == 0) out.add(new double[0]);
        else if (k == 1) out.add(new double[] {1});
        else compositions(new int[k], 0, r, r, out);
        return out;
    }

    private static void compositions(int[] parts, int i, int left, int r, List<double[]> out) {
        if (i == parts.length - 1) {
            parts[i] = left;
            double[] w = new double[parts.length];
            for (int j = 0; j < w.length; j++) w[j] = (double) parts[j] / r;
            out.add(w);
            return;
        }
        for (int c = left; c >= 0; c--) {
            parts[i] = c;
            compositions(parts, i + 1, left - c, r, out);
        }
    }

    /** Thrown by the cost function when the budget is spent, ending the optimiser's run. */
    private static final class BudgetSpent extends RuntimeException {
        BudgetSpent() {
            super(null, null, false, false);
        }
    }

    private static void cmaes(Space space, int budget, long seed, ToDoubleFunction<Point> cost) {
        int n = space.size();
        double[] lower = new double[n], upper = new double[n], start = new double[n], sigma = new double[n];
        java.util.Arrays.fill(upper, 1);
        java.util.Arrays.fill(start, 0.5);
        java.util.Arrays.fill(sigma, 0.3);
        int population = 4 + (int) (3 * Math.log(n));
        int[] spent = {0};
        CMAESOptimizer optimizer = new CMAESOptimizer(Integer.MAX_VALUE, Double.NEGATIVE_INFINITY, true, 0, 0,
                new MersenneTwister(seed), false, null);
        try {
            optimizer.optimize(new MaxEval(Integer.MAX_VALUE), GoalType.MINIMIZE, new InitialGuess(start),
                    new SimpleBounds(lower, upper), new CMAESOptimizer.Sigma(sigma), new CMAESOptimizer.PopulationSize(population),
                    new ObjectiveFunction(u -> {
                        if (spent[0] == budget) throw new BudgetSpent();
                        spent[0]++;
                        return cost.applyAsDouble(space.decode(u));
                    }));
        } catch (BudgetSpent | TooManyEvaluationsException done) {
            // the budget is spent: the candidates scored so far are the search's
        }
    }
}
