package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.Convert;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cocktail's merges against mergekit's code path (merge_methods/*.py, sparsify.py at the fetched
 * commit), not against our own formulas. Two kinds of test:
 * - the deterministic choices where we differed and now match (each failed before the change);
 * - the differences left, measured: mergekit loads each input in the recipe's dtype, else the
 *   input's own, and runs the method in it op by op; on the BF16 demo models that is bfloat16
 *   arithmetic, where Cocktail computes in F32 and rounds once. The mergekit side is written here
 *   as torch runs it on the CPU: every elementwise op rounds its result to bf16, a sum over the
 *   models accumulates in F32 and rounds once, the weights are a bf16 tensor. The figures asserted
 *   are the ones README's parity table gives.
 */
class MergekitParityTest {
    @TempDir
    Path tmp;

    // ---- matched: each of these failed before ----

    @Test
    void nearswapFloorsTheDifferenceAtOneMillionth() throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 0), a = TinyModels.random(1, null, 0);
        for (String n : base.keySet()) {
            base.get(n)[0] = 0;
            a.get(n)[0] = 2e-7f; // closer than 1e-6: mergekit divides t by 1e-6, not by 2e-7
        }
        writeTiny(base, a);
        for (float t : new float[] {0f, 5e-7f}) {
            Map<String, float[]> got = mergeTiny("nearswap", "{t: " + t + "}", null, "ns" + t);
            for (String n : got.keySet()) {
                float w = Math.max(0f, Math.min(1f, t / Math.max(2e-7f, 1e-6f)));
                assertEquals(w * 2e-7f + (1 - w) * 0f, got.get(n)[0], 0f, n);
                // equal entries (|a - b| = 0) keep the base, also at t = 0 (0 / 0 before)
                for (int i = 1; i < got.get(n).length; i++) assertEquals(base.get(n)[i], got.get(n)[i], 0f, n + "[" + i + "]");
            }
        }
    }

    @Test
    void breadcrumbsWithNoOutlierToDropKeepsNothing() throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 0);
        writeTiny(base, TinyModels.random(2, base, 0.1));
        // int(gamma * n) = 0 on every tensor of the tiny models (at most 96 elements): mergekit's
        // mask is indices[n_bot:-0], empty, so the task vector is dropped whole
        for (String gamma : new String[] {"0.01", "0"}) {
            Map<String, float[]> got = mergeTiny("breadcrumbs", "", "density: 0.5, gamma: " + gamma, "bc" + gamma);
            for (String n : got.keySet()) assertEquals(Arrays.toString(base.get(n)), Arrays.toString(got.get(n)), n);
        }
    }

    @Test
    void sceWithNonPositiveSelectTopkKeepsNothing() throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 0);
        writeTiny(base, TinyModels.random(2, base, 0.1), TinyModels.random(3, base, 0.1));
        Map<String, float[]> got = mergeTiny("sce", "{select_topk: -0.5}", null, "sce");
        for (String n : got.keySet()) assertEquals(Arrays.toString(base.get(n)), Arrays.toString(got.get(n)), n);
    }

    @Test
    void linearAndTaskArithmeticNormalizeAsMergekitInF32() throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 0), a = TinyModels.random(2, base, 0.1), b = TinyModels.random(3, base, 0.1);
        writeTiny(base, a, b);
        float wa = 0.3f, wb = 0.4f;
        String models = "models:\n  - model: base\n  - model: a\n    parameters: {weight: 0.3}\n  - model: b\n    parameters: {weight: 0.4}\n";
        Map<String, float[]> linear = merge(tmp, models + "merge_method: linear\nparameters: {weight: 1.0}\n", "lin");
        Map<String, float[]> ta = merge(tmp, models + "base_model: base\nmerge_method: task_arithmetic\nparameters: {normalize: true}\n", "ta");
        for (String n : base.keySet()) {
            float[] x = base.get(n), y = a.get(n), z = b.get(n);
            for (int i = 0; i < x.length; i++) {
                // (weights * tensors).sum(dim=0) / weights.sum(dim=0): a division, not a product with 1 / sum
                float sum = 1f * x[i] + wa * y[i] + wb * z[i];
                assertEquals(sum / (1f + wa + wb), linear.get(n)[i], 0f, "linear " + n + "[" + i + "]");
                float mixed = wa * (y[i] - x[i]) + wb * (z[i] - x[i]);
                assertEquals(x[i] + mixed / (wa + wb), ta.get(n)[i], 0f, "task_arithmetic " + n + "[" + i + "]");
            }
        }
    }

    @Test
    void tiesInF32IsMergekitsBitForBit() throws IOException {
        Map<String, float[]> got = mergeDemo(Files.readString(TestData.example("ties.yml")).replace("dtype: bfloat16", "dtype: float32"), "ties32");
        Map<String, float[]> base = demo("base"), sort = demo("ft-sort"), count = demo("ft-count");
        for (String n : got.keySet()) {
            float[] want = ties(base.get(n), List.of(sort.get(n), count.get(n)), new float[] {0.6f, 0.4f}, 0.5, false);
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got.get(n)[i], 0f, n + "[" + i + "]");
        }
    }

    // ---- measured: mergekit's bf16 arithmetic on the BF16 demo models ----

    @Test
    void linearInBf16() throws IOException {
        Map<String, float[]> got = mergeDemo(demoModels(0.5, 0.3, 0.2) + "merge_method: linear\n", "lin16");
        Diff d = compare(got, (n, x) -> {
            float[] wb = bf16(new float[] {0.5f, 0.3f, 0.2f});
            float[] out = new float[x.get(0).length];
            float div = r(wb[0] + wb[1] + wb[2]);
            for (int i = 0; i < out.length; i++) {
                float acc = 0;
                for (int m = 0; m < 3; m++) acc += r(wb[m] * x.get(m)[i]);
                out[i] = r(r(acc) / div);
            }
            return out;
        });
        d.within("linear", 1, 0.21);
    }

    @Test
    void taskArithmeticInBf16() throws IOException {
        Map<String, float[]> got = mergeDemo(demoModels(0, 0.6, 0.4) + "base_model: BASE\nmerge_method: task_arithmetic\n", "ta16");
        Diff d = compare(got, (n, x) -> {
            float[] wb = bf16(new float[] {0.6f, 0.4f});
            float[] out = new float[x.get(0).length];
            for (int i = 0; i < out.length; i++) {
                float acc = 0;
                for (int m = 1; m < 3; m++) acc += r(r(x.get(m)[i] - x.get(0)[i]) * wb[m - 1]);
                out[i] = r(x.get(0)[i] + r(acc));
            }
            return out;
        });
        d.within("task_arithmetic", 3, 0.16);
    }

    @Test
    void tiesInBf16() throws IOException {
        Map<String, float[]> got = mergeDemo(Files.readString(TestData.example("ties.yml")), "ties16");
        Diff d = compare(got, (n, x) -> ties(x.get(0), x.subList(1, 3), new float[] {0.6f, 0.4f}, 0.5, true));
        d.within("ties", 448, 0.11);
    }

    @Test
    void nearswapInBf16() throws IOException {
        Map<String, float[]> got = mergeDemo("models:\n  - model: BASE\n  - model: SORT\n"
                + "base_model: BASE\nmerge_method: nearswap\nparameters: {t: 0.001}\n", "ns16");
        Diff d = compare(got, (n, x) -> {
            float[] a = x.get(0), b = x.get(1), out = new float[a.length];
            for (int i = 0; i < out.length; i++) {
                float w = Math.max(0f, Math.min(1f, r(0.001f / Math.max(Math.abs(r(a[i] - b[i])), r(1e-6f)))));
                out[i] = r(r(w * b[i]) + r(r(1 - w) * a[i]));
            }
            return out;
        });
        d.within("nearswap", 2, 0.22);
    }

    // ---- mergekit's formulas ----

    /**
     * generalized_task_arithmetic.py with magnitude sparsification and sum consensus (TIES),
     * normalize on, lambda 1; in bf16 op by op when bf16, else in F32. Equal magnitudes at the cut
     * keep the earlier position (torch's unstable argsort leaves that open).
     */
    private static float[] ties(float[] base, List<float[]> xs, float[] w, double density, boolean bf16) {
        int k = xs.size(), n = base.length;
        float[] wb = bf16 ? bf16(w) : w;
        float[][] wd = new float[k][n];
        for (int m = 0; m < k; m++) {
            float[] d = new float[n];
            for (int i = 0; i < n; i++) d[i] = round(xs.get(m)[i] - base[i], bf16);
            boolean[] keep = topByMagnitude(d, (long) (density * n));
            for (int i = 0; i < n; i++) wd[m][i] = keep[i] ? round(d[i] * wb[m], bf16) : 0f;
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float sum = 0, mixed = 0, div = 0;
            for (int m = 0; m < k; m++) sum += wd[m][i];
            float sign = round(sum, bf16) >= 0 ? 1 : -1;
            for (int m = 0; m < k; m++) {
                if (Math.signum(wd[m][i]) != sign) continue;
                mixed += wd[m][i];
                div += wb[m];
            }
            mixed = round(mixed, bf16);
            div = round(div, bf16);
            out[i] = round(base[i] + round(mixed / (div == 0 ? 1 : div), bf16), bf16);
        }
        return out;
    }

    /** The k largest |d|, equal magnitudes by position. */
    private static boolean[] topByMagnitude(float[] d, long k) {
        Integer[] order = new Integer[d.length];
        for (int i = 0; i < d.length; i++) order[i] = i;
        Arrays.sort(order, (p, q) -> Float.compare(Math.abs(d[q]), Math.abs(d[p]))); // stable: ties keep position order
        boolean[] keep = new boolean[d.length];
        for (int j = 0; j < k; j++) keep[order[j]] = true;
        return keep;
    }

    private static float round(float x, boolean bf16) {
        return bf16 ? r(x) : x;
    }

    /** x rounded to bfloat16 (to nearest, ties to even), as every torch op on bf16 tensors rounds its result. */
    private static float r(float x) {
        return Convert.bf16ToF32(Convert.f32ToBf16(x));
    }

    private static float[] bf16(float[] w) {
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) out[i] = r(w[i]);
        return out;
    }

    // ---- running merges ----

    private void writeTiny(Map<String, float[]> base, Map<String, float[]>... others) throws IOException {
        TinyModels.write(tmp.resolve("base"), base);
        for (int i = 0; i < others.length; i++) TinyModels.write(tmp.resolve(String.valueOf((char) ('a' + i))), others[i]);
    }

    /**
     * The tiny models base, a (and b when written) merged by `method`: `global` its parameters, `perModel`
     * the others' (weight 1 added; null for none at all).
     */
    private Map<String, float[]> mergeTiny(String method, String global, String perModel, String out) throws IOException {
        StringBuilder y = new StringBuilder("models:\n  - model: base\n");
        for (String m : new String[] {"a", "b"}) {
            if (!Files.isDirectory(tmp.resolve(m))) continue;
            y.append("  - model: ").append(m).append('\n');
            if (perModel != null) y.append("    parameters: {weight: 1.0").append(perModel.isEmpty() ? "" : ", " + perModel).append("}\n");
        }
        y.append("base_model: base\nmerge_method: ").append(method).append('\n');
        if (!global.isEmpty()) y.append("parameters: ").append(global).append('\n');
        return merge(tmp, y.toString(), out);
    }

    private static Map<String, float[]> merge(Path dir, String yaml, String out) throws IOException {
        Path cfg = dir.resolve(out + ".yml");
        Files.writeString(cfg, yaml);
        MergekitMerge.merge(new MergekitMerge.Request(cfg, new Output(dir.resolve(out), false, 5_000_000_000L, false), 0), Progress.NONE, "test");
        return TinyModels.read(dir.resolve(out));
    }

    /** models base, ft-sort, ft-count with these weights (0 leaves the parameters out), named BASE, SORT, COUNT. */
    private static String demoModels(double base, double sort, double count) {
        StringBuilder y = new StringBuilder("models:\n");
        String[] names = {"BASE", "SORT", "COUNT"};
        double[] w = {base, sort, count};
        for (int i = 0; i < 3; i++) {
            y.append("  - model: ").append(names[i]).append('\n');
            if (w[i] != 0) y.append("    parameters: {weight: ").append(w[i]).append("}\n");
        }
        return y.toString();
    }

    private Map<String, float[]> mergeDemo(String yaml, String out) throws IOException {
        Path models = TestData.example("models");
        return merge(tmp, yaml.replace("examples/models/base", "BASE").replace("examples/models/ft-sort", "SORT")
                .replace("examples/models/ft-count", "COUNT").replace("BASE", models.resolve("base").toString())
                .replace("SORT", models.resolve("ft-sort").toString()).replace("COUNT", models.resolve("ft-count").toString()), out);
    }

    private static Map<String, float[]> demo(String name) {
        return TinyModels.read(TestData.example("models").resolve(name));
    }

    @FunctionalInterface
    private interface Reference {
        /** mergekit's output tensor `name` from the inputs base, ft-sort, ft-count. */
        float[] merge(String name, List<float[]> inputs);
    }

    /**
     * How far our BF16 output is from mergekit's: the largest difference in units of the last place
     * of bf16 at the element's largest input magnitude (a difference where the result cancels to
     * near zero counts against the inputs' scale, not the tiny result's), and how many elements differ.
     */
    private record Diff(double maxUlp, long differing, long total, String worst) {
        void within(String method, double ulps, double share) {
            System.out.printf("parity: " + method + ": max %.3f bf16 ULP of the inputs (%s), %d of %d elements differ (%.4f)%n", maxUlp, worst,
                    differing, total, (double) differing / total);
            assertTrue(maxUlp <= ulps, "max " + maxUlp + " ULP at " + worst + ", documented " + ulps);
            assertTrue(differing <= share * total, differing + " of " + total + " differ, documented at most " + share);
        }
    }

    private static Diff compare(Map<String, float[]> got, Reference mergekit) {
        Map<String, float[]> base = demo("base"), sort = demo("ft-sort"), count = demo("ft-count");
        double max = 0;
        long differing = 0, total = 0;
        String worst = "";
        for (String n : got.keySet()) {
            List<float[]> inputs = List.of(base.get(n), sort.get(n), count.get(n));
            float[] want = mergekit.merge(n, inputs), have = got.get(n);
            for (int i = 0; i < want.length; i++) {
                if (have[i] == want[i]) continue;
                differing++;
                float scale = Math.max(Math.abs(have[i]), Math.abs(want[i]));
                for (float[] x : inputs) scale = Math.max(scale, Math.abs(x[i]));
                double u = Math.abs((double) have[i] - want[i]) / (Math.ulp(Math.max(scale, Float.MIN_NORMAL)) * 65536.0);
                if (u > max) {
                    max = u;
                    worst = n + "[" + i + "]";
                }
            }
            total += want.length;
        }
        return new Diff(max, differing, total, worst);
    }
}
