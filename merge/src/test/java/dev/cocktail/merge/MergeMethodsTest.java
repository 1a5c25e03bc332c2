package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every merge method through a mergekit recipe on small random models, against a direct scalar
 * implementation of its formula written here (in double), tensor by tensor.
 */
class MergeMethodsTest {
    @TempDir
    Path tmp;
    Map<String, float[]> base, a, b, c;

    @BeforeEach
    void models() throws IOException {
        base = TinyModels.random(1, null, 0);
        a = TinyModels.random(2, base, 0.1);
        b = TinyModels.random(3, base, 0.1);
        c = TinyModels.random(4, base, 0.1);
        TinyModels.write(tmp.resolve("base"), base);
        TinyModels.write(tmp.resolve("a"), a);
        TinyModels.write(tmp.resolve("b"), b);
        TinyModels.write(tmp.resolve("c"), c);
    }

    private Map<String, float[]> merge(String yaml, long seed) {
        return merge(yaml, seed, "out");
    }

    private Map<String, float[]> merge(String yaml, long seed, String out) {
        try {
            Path cfg = tmp.resolve(out + ".yml");
            Files.writeString(cfg, yaml);
            MergekitMerge.merge(new MergekitMerge.Request(cfg, new Output(tmp.resolve(out), false, 5_000_000_000L, false), seed), Progress.NONE, "test");
            return TinyModels.read(tmp.resolve(out));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * t of a tensor, as mergekit (0.1.4) plans it for 3 layers: layers 0, 0.5, 1; embeddings and the
     * tensors after the last layer 0 (its planner reuses the first reader for them).
     */
    static double depth(String name) {
        if (name.startsWith("model.layers.")) return Integer.parseInt(name.split("\\.")[2]) / 2.0;
        return 0;
    }

    private void check(Map<String, float[]> got, BiFunction<String, Double, double[]> expected) {
        assertEquals(TinyModels.SHAPES.keySet(), got.keySet());
        for (String name : got.keySet()) {
            double[] want = expected.apply(name, depth(name));
            float[] have = got.get(name);
            assertEquals(want.length, have.length, name);
            for (int i = 0; i < want.length; i++) assertEquals(want[i], have[i], 2e-5, name + "[" + i + "]");
        }
    }

    // ---- direct implementations ----

    static double[] delta(float[] x, float[] base) {
        return IntStream.range(0, x.length).mapToDouble(i -> (double) x[i] - base[i]).toArray();
    }

    /** Positions by |d| descending, earlier first among equals. */
    static Integer[] byMagnitude(double[] d) {
        Integer[] idx = IntStream.range(0, d.length).boxed().toArray(Integer[]::new);
        Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -Math.abs(d[i])).thenComparingInt(i -> i));
        return idx;
    }

    static double[] keepRanks(double[] d, long from, long to) {
        Integer[] idx = byMagnitude(d);
        double[] out = new double[d.length];
        for (int r = (int) from; r < to; r++) out[idx[r]] = d[idx[r]];
        return out;
    }

    static double[] magnitude(double[] d, double density) {
        return density >= 1 ? d : keepRanks(d, 0, (long) (density * d.length));
    }

    static double[] outliers(double[] d, double density, double gamma) {
        if (density >= 1) return d;
        long n = d.length, target = (long) (density * n), top = (long) (gamma * n), bottom = n - target - top;
        if (bottom < 0) {
            top += bottom;
            bottom = 0;
        }
        if (top == 0) return new double[d.length]; // mergekit's indices[n_bot:-0] is empty
        return keepRanks(d, top, n - bottom);
    }

    static double[] combine(float[] base, List<double[]> ds, double[] w, boolean consensus, boolean normalize, double lambda) {
        double[] out = new double[base.length];
        for (int e = 0; e < base.length; e++) {
            double sum = 0, mixed = 0, div = 0, wsum = 0;
            for (int m = 0; m < ds.size(); m++) sum += w[m] * ds.get(m)[e];
            for (int m = 0; m < ds.size(); m++) {
                double wd = w[m] * ds.get(m)[e];
                wsum += w[m];
                if (!consensus || (sum >= 0 ? wd > 0 : wd < 0)) {
                    mixed += wd;
                    div += w[m];
                }
            }
            if (!consensus) div = Math.abs(wsum) < 1e-8 ? 1 : wsum;
            else if (div == 0) div = 1;
            if (normalize) mixed /= div;
            out[e] = base[e] + lambda * mixed;
        }
        return out;
    }

    // ---- methods ----

    @Test
    void linearWithGradientsAndFilters() {
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                    parameters:
                      weight:
                        - filter: self_attn
                          value: [0.1, 0.9]
                        - value: 0.3
                  - model: b
                    parameters:
                      weight: 0.6
                merge_method: linear
                dtype: float32
                """, 0);
        check(got, (n, t) -> {
            double wa = n.contains("self_attn") ? 0.1 + 0.8 * t : 0.3;
            return IntStream.range(0, a.get(n).length).mapToDouble(i -> (wa * a.get(n)[i] + 0.6 * b.get(n)[i]) / (wa + 0.6)).toArray();
        });
    }

    @Test
    void taskArithmeticScalesBySumOfWeightedTaskVectors() {
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                    parameters: {weight: 0.7}
                  - model: b
                    parameters: {weight: -0.4}
                base_model: base
                merge_method: task_arithmetic
                parameters: {lambda: 0.5}
                """, 0);
        check(got, (n, t) -> combine(base.get(n), List.of(delta(a.get(n), base.get(n)), delta(b.get(n), base.get(n))),
                new double[] {0.7, -0.4}, false, false, 0.5));
    }

    @Test
    void tiesKeepsTopDensityAndElectsSigns() {
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 0.5}
                  - model: b
                    parameters: {weight: 0.6, density: [0.2, 0.8]}
                base_model: base
                merge_method: ties
                """, 0);
        check(got, (n, t) -> combine(base.get(n), List.of(magnitude(delta(a.get(n), base.get(n)), 0.5),
                        magnitude(delta(b.get(n), base.get(n)), 0.2 + 0.6 * t)),
                new double[] {1.0, 0.6}, true, true, 1));
    }

    /** Three task vectors take the consensus kernel's general loop (two have their own). */
    @Test
    void tiesOfThreeTaskVectors() {
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 0.5}
                  - model: b
                    parameters: {weight: 0.6, density: 0.7}
                  - model: c
                    parameters: {weight: 0.8, density: 0.4}
                base_model: base
                merge_method: ties
                """, 0);
        check(got, (n, t) -> combine(base.get(n), List.of(magnitude(delta(a.get(n), base.get(n)), 0.5),
                        magnitude(delta(b.get(n), base.get(n)), 0.7), magnitude(delta(c.get(n), base.get(n)), 0.4)),
                new double[] {1.0, 0.6, 0.8}, true, true, 1));
    }

    @Test
    void tiesAtDensityZeroAndOne() {
        Map<String, float[]> zero = merge("""
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 0.0}
                  - model: b
                    parameters: {weight: 1.0, density: 0.0}
                base_model: base
                merge_method: ties
                """, 0, "zero");
        check(zero, (n, t) -> IntStream.range(0, base.get(n).length).mapToDouble(i -> base.get(n)[i]).toArray());
        Map<String, float[]> one = merge("""
                models:
                  - model: a
                    parameters: {weight: 0.5, density: 1.0}
                  - model: b
                    parameters: {weight: 0.5, density: 1.0}
                base_model: base
                merge_method: ties
                parameters: {normalize: false}
                """, 0, "one");
        check(one, (n, t) -> combine(base.get(n), List.of(delta(a.get(n), base.get(n)), delta(b.get(n), base.get(n))),
                new double[] {0.5, 0.5}, true, false, 1));
    }

    /**
     * Task vectors with only a few distinct magnitudes, in tensors of several chunks: the top-k cut
     * falls inside a run of equal magnitudes that spans chunks, which the selection must split by
     * position (earlier first), exactly as a stable sort does.
     */
    @Test
    void tiesCutsRunsOfEqualMagnitudesByPosition() throws IOException {
        int vocab = 4000; // embeddings and head of 32,000 elements: two chunks and a bit
        Random r = new Random(5);
        Map<String, float[]> q = new java.util.LinkedHashMap<>(), x = new java.util.LinkedHashMap<>(), y = new java.util.LinkedHashMap<>();
        TinyModels.SHAPES.forEach((n, shape) -> {
            int size = (int) (shape[0] == 6 ? vocab * shape[1] : dev.cocktail.engine.Tensor.elementCount(shape));
            float[] bq = new float[size], bx = new float[size], by = new float[size];
            float[] steps = {0f, 0.25f, -0.25f, 0.5f, -0.5f};
            for (int i = 0; i < size; i++) {
                bq[i] = Math.round(r.nextGaussian() * 64) / 64f; // a grid on which base + step is exact
                bx[i] = bq[i] + steps[r.nextInt(steps.length)];
                by[i] = bq[i] + steps[r.nextInt(steps.length)];
            }
            q.put(n, bq);
            x.put(n, bx);
            y.put(n, by);
        });
        TinyModels.write(tmp.resolve("q"), q, vocab);
        TinyModels.write(tmp.resolve("x"), x, vocab);
        TinyModels.write(tmp.resolve("y"), y, vocab);
        Map<String, float[]> got = merge("""
                models:
                  - model: x
                    parameters: {weight: 1.0, density: 0.3}
                  - model: y
                    parameters: {weight: 0.5, density: 0.55}
                base_model: q
                merge_method: ties
                """, 0);
        check(got, (n, t) -> combine(q.get(n), List.of(magnitude(delta(x.get(n), q.get(n)), 0.3),
                magnitude(delta(y.get(n), q.get(n)), 0.55)), new double[] {1.0, 0.5}, true, true, 1));
    }

    /** Opposite task vectors that cancel: the elected sign is positive, zeros agree with neither. */
    @Test
    void signElectionTiesGoToPositive() throws IOException {
        // values on a 1/64 grid, so that base +- 0.25 and the task vectors are exact
        Map<String, float[]> q = TinyModels.random(9, base, 0), x = TinyModels.random(9, base, 0), y = TinyModels.random(9, base, 0);
        for (String n : base.keySet()) {
            for (int i = 0; i < base.get(n).length; i++) {
                q.get(n)[i] = Math.round(base.get(n)[i] * 64) / 64f;
                float d = i % 3 == 0 ? 0f : 0.25f; // every third entry: no change in either model
                x.get(n)[i] = q.get(n)[i] + d;
                y.get(n)[i] = q.get(n)[i] - d;
            }
        }
        TinyModels.write(tmp.resolve("q"), q);
        TinyModels.write(tmp.resolve("x"), x);
        TinyModels.write(tmp.resolve("y"), y);
        Map<String, float[]> got = merge("""
                models:
                  - model: x
                    parameters: {weight: 1.0}
                  - model: y
                    parameters: {weight: 1.0}
                base_model: q
                merge_method: ties
                """, 0);
        for (String n : got.keySet()) {
            for (int i = 0; i < q.get(n).length; i++) {
                // the sum is 0 -> positive -> only x's +0.25 agrees, normalized by x's weight alone
                assertEquals(x.get(n)[i], got.get(n)[i], 1e-6, n + "[" + i + "]");
            }
        }
    }

    @Test
    void breadcrumbsDropOutliersAndSmallest() {
        String models = """
                models:
                  - model: a
                    parameters: {weight: 0.8, density: 0.7, gamma: 0.1}
                  - model: b
                    parameters: {weight: 0.5, density: 0.5}
                base_model: base
                """;
        for (boolean ties : new boolean[] {false, true}) {
            Map<String, float[]> got = merge(models + "merge_method: " + (ties ? "breadcrumbs_ties" : "breadcrumbs") + "\n", 0,
                    ties ? "bc-ties" : "bc");
            check(got, (n, t) -> combine(base.get(n), List.of(outliers(delta(a.get(n), base.get(n)), 0.7, 0.1),
                            outliers(delta(b.get(n), base.get(n)), 0.5, 0.01)),
                    new double[] {0.8, 0.5}, ties, false, 1));
        }
    }

    @Test
    void dareIsSeededSparseAndRescaled() throws IOException {
        String yaml = """
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 0.5}
                base_model: base
                merge_method: dare_linear
                """;
        Map<String, float[]> one = merge(yaml, 7, "s7"), again = merge(yaml, 7, "s7b"), other = merge(yaml, 8, "s8");
        long kept = 0, total = 0;
        boolean differs = false;
        for (String n : one.keySet()) {
            assertArrayEquals(one.get(n), again.get(n), n + ": same seed, same merge");
            differs |= !Arrays.equals(one.get(n), other.get(n));
            double[] d = delta(a.get(n), base.get(n)), got = delta(one.get(n), base.get(n));
            double scale = 0, before = 0, after = 0;
            for (int i = 0; i < d.length; i++) {
                before += Math.abs(d[i]);
                after += Math.abs(got[i]);
                if (got[i] == 0) continue;
                kept++;
                double s = got[i] / d[i];
                if (scale == 0) scale = s;
                assertEquals(scale, s, 1e-4 * scale, n + ": one rescale factor per tensor");
            }
            total += d.length;
            assertEquals(before, after, 1e-4 * before, n + ": L1 norm kept");
        }
        assertTrue(differs, "another seed drops other entries");
        assertEquals(0.5, (double) kept / total, 0.08, "about half the entries kept");
        // dare_ties at density 1 is ties without sparsification (normalize off by default)
        Map<String, float[]> full = merge("""
                models:
                  - model: a
                    parameters: {weight: 0.7, density: 1.0}
                  - model: b
                    parameters: {weight: 0.4, density: 1.0}
                base_model: base
                merge_method: dare_ties
                """, 7, "full");
        check(full, (n, t) -> combine(base.get(n), List.of(delta(a.get(n), base.get(n)), delta(b.get(n), base.get(n))),
                new double[] {0.7, 0.4}, true, false, 1));
    }

    @Test
    void dellaKeepsByRankProbabilityAndRescales() {
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 0.4, epsilon: 0.1}
                base_model: base
                merge_method: della_linear
                """, 3);
        long kept = 0, total = 0;
        for (String n : got.keySet()) {
            double[] d = delta(a.get(n), base.get(n)), g = delta(got.get(n), base.get(n));
            double before = 0, after = 0;
            for (int i = 0; i < d.length; i++) {
                before += Math.abs(d[i]);
                after += Math.abs(g[i]);
                if (g[i] != 0) kept++;
            }
            total += d.length;
            assertEquals(before, after, 1e-4 * before, n + ": L1 norm kept");
        }
        assertEquals(0.4, (double) kept / total, 0.08);
        CocktailException e = assertThrows(CocktailException.class, () -> merge("""
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 0.5, epsilon: 0.6}
                base_model: base
                merge_method: della
                """, 3, "bad"));
        assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("bad")));
    }

    static double[] slerp(double t, float[] v0, float[] v1) {
        double n0 = 0, n1 = 0, dot = 0;
        for (int i = 0; i < v0.length; i++) {
            n0 += (double) v0[i] * v0[i];
            n1 += (double) v1[i] * v1[i];
        }
        n0 = Math.sqrt(n0);
        n1 = Math.sqrt(n1);
        for (int i = 0; i < v0.length; i++) dot += (v0[i] / n0) * (v1[i] / n1);
        double[] out = new double[v0.length];
        double s0 = 1 - t, s1 = t;
        if (Math.abs(dot) <= 0.9995) {
            double th = Math.acos(dot);
            s0 = Math.sin(th - th * t) / Math.sin(th);
            s1 = Math.sin(th * t) / Math.sin(th);
        }
        for (int i = 0; i < out.length; i++) out[i] = s0 * v0[i] + s1 * v1[i];
        return out;
    }

    @Test
    void slerpInterpolatesOnTheSphereAndFallsBackWhenParallel() throws IOException {
        Map<String, float[]> far = TinyModels.random(5, null, 0), twice = TinyModels.random(5, base, 0);
        for (String n : base.keySet()) for (int i = 0; i < base.get(n).length; i++) twice.get(n)[i] = 2 * base.get(n)[i];
        TinyModels.write(tmp.resolve("far"), far);
        TinyModels.write(tmp.resolve("twice"), twice);
        Map<String, float[]> got = merge("""
                slices:
                  - sources:
                      - model: base
                        layer_range: [0, 3]
                      - model: far
                        layer_range: [0, 3]
                merge_method: slerp
                base_model: base
                parameters:
                  t:
                    - filter: self_attn
                      value: [0, 0.5, 1]
                    - value: 0.3
                """, 0, "sphere");
        check(got, (n, t) -> slerp(n.contains("self_attn") ? t : 0.3, base.get(n), far.get(n)));
        Map<String, float[]> lerp = merge("""
                models:
                  - model: base
                  - model: twice
                merge_method: slerp
                base_model: base
                parameters: {t: 0.25}
                """, 0, "parallel");
        check(lerp, (n, t) -> IntStream.range(0, base.get(n).length).mapToDouble(i -> 0.75 * base.get(n)[i] + 0.25 * twice.get(n)[i]).toArray());
    }

    static double[] nuslerp(double t, double[] v0, double[] v1) {
        double n0 = Math.sqrt(Arrays.stream(v0).map(x -> x * x).sum()), n1 = Math.sqrt(Arrays.stream(v1).map(x -> x * x).sum());
        double cos = 0;
        for (int i = 0; i < v0.length; i++) cos += v0[i] / n0 * v1[i] / n1;
        double th = Math.acos(Math.max(-1, Math.min(1, cos)));
        double[] out = new double[v0.length];
        for (int i = 0; i < out.length; i++) out[i] = (Math.sin((1 - t) * th) * v0[i] + Math.sin(t * th) * v1[i]) / Math.sin(th);
        return out;
    }

    @Test
    void nuslerpFlattenedAndRowByRow() {
        String models = """
                models:
                  - model: a
                    parameters: {weight: 1.0}
                  - model: b
                    parameters: {weight: 3.0}
                base_model: base
                merge_method: nuslerp
                """;
        Map<String, float[]> flat = merge(models, 0, "flat");
        check(flat, (n, t) -> {
            double[] r = nuslerp(0.75, delta(a.get(n), base.get(n)), delta(b.get(n), base.get(n)));
            for (int i = 0; i < r.length; i++) r[i] += base.get(n)[i];
            return r;
        });
        Map<String, float[]> rows = merge(models + "parameters: {nuslerp_flatten: false}\n", 0, "rows");
        check(rows, (n, t) -> {
            long[] shape = TinyModels.SHAPES.get(n);
            int cols = (int) shape[shape.length - 1];
            double[] da = delta(a.get(n), base.get(n)), db = delta(b.get(n), base.get(n)), r = new double[da.length];
            for (int row = 0; row < da.length; row += cols) {
                double[] part = nuslerp(0.75, Arrays.copyOfRange(da, row, row + cols), Arrays.copyOfRange(db, row, row + cols));
                for (int j = 0; j < cols; j++) r[row + j] = base.get(n)[row + j] + part[j];
            }
            return r;
        });
    }

    @Test
    void modelStockMovesFromTheAverageTowardsTheBase() {
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                  - model: b
                base_model: base
                merge_method: model_stock
                """, 0);
        check(got, (n, t) -> {
            double[] da = delta(a.get(n), base.get(n)), db = delta(b.get(n), base.get(n));
            double dot = 0, na = 0, nb = 0;
            for (int i = 0; i < da.length; i++) {
                dot += da[i] * db[i];
                na += da[i] * da[i];
                nb += db[i] * db[i];
            }
            double cos = dot / Math.sqrt(na * nb), ratio = 2 * cos / (1 + cos);
            return IntStream.range(0, da.length).mapToDouble(i ->
                    ratio * (a.get(n)[i] + b.get(n)[i]) / 2 + (1 - ratio) * base.get(n)[i]).toArray();
        });
    }

    /** mergekit's iteration, on whole vectors. */
    static double[] karcher(List<float[]> xs) {
        int n = xs.size(), len = xs.getFirst().length;
        double[] norms = new double[n];
        double[][] u = new double[n][len];
        for (int k = 0; k < n; k++) {
            for (float v : xs.get(k)) norms[k] += (double) v * v;
            norms[k] = Math.sqrt(norms[k]);
            for (int i = 0; i < len; i++) u[k][i] = xs.get(k)[i] / norms[k];
        }
        double[] mean = new double[len];
        for (int k = 0; k < n; k++) for (int i = 0; i < len; i++) mean[i] += u[k][i] / n;
        normalize(mean);
        for (int iter = 0; iter < 10; iter++) {
            double[] tangent = new double[len];
            for (int k = 0; k < n; k++) {
                double dot = 0;
                for (int i = 0; i < len; i++) dot += mean[i] * u[k][i];
                dot = Math.max(-1, Math.min(1, dot));
                double th = Math.acos(dot);
                if (th < 1e-5) continue;
                for (int i = 0; i < len; i++) tangent[i] += (1.0 / n) * (th / Math.sin(th)) * (u[k][i] - dot * mean[i]);
            }
            double tn = Math.sqrt(Arrays.stream(tangent).map(x -> x * x).sum());
            if (tn < 1e-5) break;
            for (int i = 0; i < len; i++) mean[i] = Math.cos(tn) * mean[i] + Math.sin(tn) * tangent[i] / tn;
            normalize(mean);
        }
        double scale = Arrays.stream(norms).sum() / n;
        return Arrays.stream(mean).map(x -> x * scale).toArray();
    }

    static void normalize(double[] v) {
        double s = Math.sqrt(Arrays.stream(v).map(x -> x * x).sum());
        for (int i = 0; i < v.length; i++) v[i] /= s;
    }

    @Test
    void karcherMeanOnTheSphere() throws IOException {
        Map<String, float[]> far = TinyModels.random(11, null, 0);
        TinyModels.write(tmp.resolve("far"), far);
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                  - model: far
                  - model: b
                merge_method: karcher
                """, 0);
        check(got, (n, t) -> karcher(List.of(a.get(n), far.get(n), b.get(n))));
    }

    @Test
    void sceSelectsByVarianceWeighsBySquaresAndErases() {
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                  - model: b
                base_model: base
                merge_method: sce
                parameters: {select_topk: 0.5}
                """, 0);
        check(got, (n, t) -> {
            double[] da = delta(a.get(n), base.get(n)), db = delta(b.get(n), base.get(n));
            int len = da.length;
            double[] var = new double[len];
            for (int i = 0; i < len; i++) {
                double m = (da[i] + db[i]) / 2;
                var[i] = ((da[i] - m) * (da[i] - m) + (db[i] - m) * (db[i] - m)) / 2;
            }
            double[] sel = keepRanks(var, 0, (long) (0.5 * Arrays.stream(var).filter(v -> v != 0).count()));
            for (int i = 0; i < len; i++) {
                if (sel[i] == 0) da[i] = db[i] = 0;
            }
            double wa = Arrays.stream(da).map(x -> x * x).sum() / len, wb = Arrays.stream(db).map(x -> x * x).sum() / len;
            double[] w = {wa / (wa + wb), wb / (wa + wb)};
            return sceErase(base.get(n), da, db, w);
        });
    }

    /**
     * base + the weighted mean of the two task vectors' entries that agree with the sign of their sum
     * (sce's erase step), divided by the agreeing weights clamped at 1e-6 as mergekit's sce_merge.
     */
    static double[] sceErase(float[] base, double[] da, double[] db, double[] w) {
        double[] r = new double[da.length];
        for (int i = 0; i < r.length; i++) {
            double sum = da[i] + db[i], mixed = 0, div = 0;
            double[] d = {da[i], db[i]};
            for (int m = 0; m < 2; m++) {
                if (sum >= 0 ? d[m] > 0 : d[m] < 0) {
                    mixed += w[m] * d[m];
                    div += w[m];
                }
            }
            r[i] = base[i] + mixed / Math.max(div, 1e-6);
        }
        return r;
    }

    @Test
    void nearswapMovesCloseEntries() {
        Map<String, float[]> got = merge("""
                models:
                  - model: base
                  - model: a
                base_model: base
                merge_method: nearswap
                parameters: {t: 0.05}
                """, 0);
        check(got, (n, t) -> IntStream.range(0, base.get(n).length).mapToDouble(i -> {
            double w = Math.max(0, Math.min(1, 0.05 / Math.abs(base.get(n)[i] - a.get(n)[i])));
            return w * a.get(n)[i] + (1 - w) * base.get(n)[i];
        }).toArray());
    }

    @Test
    void passthroughStacksLayerSlices() throws IOException {
        merge("""
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 2]
                  - sources:
                      - model: b
                        layer_range: [1, 3]
                        parameters:
                          scale:
                            - filter: down_proj
                              value: 0.5
                merge_method: passthrough
                dtype: bfloat16
                """, 0, "stack");
        Map<String, float[]> got = TinyModels.read(tmp.resolve("stack"));
        List<String> names = new ArrayList<>(got.keySet());
        assertEquals(11, names.size(), "embeddings, 4 layers of 2 tensors, norm, head: " + names);
        assertTrue(names.contains("model.layers.3.mlp.down_proj.weight"));
        float[] l3 = got.get("model.layers.3.mlp.down_proj.weight"), src = b.get("model.layers.2.mlp.down_proj.weight");
        for (int i = 0; i < src.length; i++) assertEquals(0.5 * src[i], l3[i], Math.abs(src[i]) * 0.01, "scaled, bf16");
        float[] l1 = got.get("model.layers.1.self_attn.q_proj.weight"), src1 = a.get("model.layers.1.self_attn.q_proj.weight");
        for (int i = 0; i < src1.length; i++) assertEquals(src1[i], l1[i], Math.abs(src1[i]) * 0.01);
        var config = Json.readFile(tmp.resolve("stack/config.json"));
        assertEquals(4, config.get("num_hidden_layers").asInt());
        assertEquals("bfloat16", config.get("torch_dtype").asText());
        assertTrue(Files.readString(tmp.resolve("stack/README.md")).contains("passthrough"));
    }

    // ---- where mergekit 0.1.4 does something our first reading did not (issue 23) ----

    /** Row-wise nuslerp interpolates columns; a 1-D tensor stays one vector (mergekit's transpose leaves it alone). */
    @Test
    void nuslerpRowWiseTakesColumnsAndWhole1dTensors() {
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                    parameters: {weight: 1.0}
                  - model: b
                    parameters: {weight: 3.0}
                base_model: base
                merge_method: nuslerp
                parameters: {nuslerp_flatten: false, nuslerp_row_wise: true}
                """, 0);
        check(got, (n, t) -> {
            long[] shape = TinyModels.SHAPES.get(n);
            double[] da = delta(a.get(n), base.get(n)), db = delta(b.get(n), base.get(n)), r;
            if (shape.length == 1) {
                r = nuslerp(0.75, da, db);
            } else {
                int cols = (int) shape[1], rows = da.length / cols;
                r = new double[da.length];
                for (int j = 0; j < cols; j++) {
                    double[] ca = new double[rows], cb = new double[rows];
                    for (int i = 0; i < rows; i++) {
                        ca[i] = da[i * cols + j];
                        cb[i] = db[i * cols + j];
                    }
                    double[] part = nuslerp(0.75, ca, cb);
                    for (int i = 0; i < rows; i++) r[i * cols + j] = part[i];
                }
            }
            for (int i = 0; i < r.length; i++) r[i] += base.get(n)[i];
            return r;
        });
    }

    /** karcher averages the base too when a models: recipe names one without listing it. */
    @Test
    void karcherAddsTheBaseToItsInputs() {
        Map<String, float[]> got = merge("""
                models:
                  - model: a
                  - model: b
                base_model: base
                merge_method: karcher
                """, 0);
        check(got, (n, t) -> karcher(List.of(a.get(n), b.get(n), base.get(n))));
    }

    /** sce weighs task vectors equally when their mean squares add up to less than 1e-6, as mergekit does. */
    @Test
    void sceFallsBackToEqualWeightsForSmallTaskVectors() throws IOException {
        Map<String, float[]> tiny = TinyModels.random(6, base, 1e-4), small = TinyModels.random(7, base, 2e-4);
        TinyModels.write(tmp.resolve("tiny"), tiny);
        TinyModels.write(tmp.resolve("small"), small);
        Map<String, float[]> got = merge("""
                models:
                  - model: tiny
                  - model: small
                base_model: base
                merge_method: sce
                """, 0);
        check(got, (n, t) -> {
            double[] da = delta(tiny.get(n), base.get(n)), ds = delta(small.get(n), base.get(n));
            double wa = Arrays.stream(da).map(x -> x * x).sum() / da.length, ws = Arrays.stream(ds).map(x -> x * x).sum() / da.length;
            double[] w = wa + ws < 1e-6 ? new double[] {0.5, 0.5} : new double[] {wa / (wa + ws), ws / (wa + ws)};
            return sceErase(base.get(n), da, ds, w);
        });
    }

    /**
     * Where only a task vector of negligible weight agrees with the elected sign, mergekit divides by
     * the agreeing weights clamped at 1e-6, so that entry's delta shrinks by weight / 1e-6 rather than
     * being taken whole.
     */
    @Test
    void sceClampsTheAgreeingWeightsAt1e6() throws IOException {
        Map<String, float[]> loud = TinyModels.random(8, base, 10), quiet = TinyModels.random(9, base, 1e-3);
        loud.forEach((n, v) -> { for (int i = 0; i < v.length; i += 2) v[i] = base.get(n)[i]; });
        quiet.forEach((n, v) -> { for (int i = 1; i < v.length; i += 2) v[i] = base.get(n)[i]; });
        TinyModels.write(tmp.resolve("loud"), loud);
        TinyModels.write(tmp.resolve("quiet"), quiet);
        Map<String, float[]> got = merge("""
                models:
                  - model: loud
                  - model: quiet
                base_model: base
                merge_method: sce
                """, 0);
        check(got, (n, t) -> {
            double[] dl = delta(loud.get(n), base.get(n)), dq = delta(quiet.get(n), base.get(n));
            double wl = Arrays.stream(dl).map(x -> x * x).sum(), wq = Arrays.stream(dq).map(x -> x * x).sum();
            assertTrue(wq / (wl + wq) < 1e-7, n + ": the quiet model's weight is below the clamp");
            return sceErase(base.get(n), dl, dq, new double[] {wl / (wl + wq), wq / (wl + wq)});
        });
    }

    /** A model's parameter filters match its input tensor's name, not the renumbered output name. */
    @Test
    void perModelFiltersMatchTheInputTensorName() {
        Map<String, float[]> got = merge("""
                slices:
                  - sources:
                      - model: a
                        layer_range: [1, 3]
                        parameters:
                          weight:
                            - filter: layers.1.
                              value: 0.9
                            - value: 0.1
                      - model: b
                        layer_range: [1, 3]
                        parameters: {weight: 0.5}
                merge_method: linear
                parameters: {normalize: false}
                """, 0, "renumbered");
        for (int out = 0; out < 2; out++) {
            String name = "model.layers." + out + ".self_attn.q_proj.weight", in = "model.layers." + (out + 1) + ".self_attn.q_proj.weight";
            double wa = out == 0 ? 0.9 : 0.1;
            float[] x = a.get(in), y = b.get(in), have = got.get(name);
            for (int i = 0; i < x.length; i++) assertEquals(wa * x[i] + 0.5 * y[i], have[i], 2e-5, name + "[" + i + "]");
        }
    }
}
