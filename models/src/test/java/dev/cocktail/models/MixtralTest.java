package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TensorSpec;
import dev.cocktail.engine.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixtral's sparse MoE MLP: against an oracle in float64 written from transformers'
 * MixtralSparseMoeBlock, and a whole Mixtral made of copies of one dense model's MLP against that
 * dense model.
 */
class MixtralTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // ---- the oracle: transformers' formulas in float64, sharing nothing with SparseMoe ----

    /** softmax(gate h); top-k (ties to the lower index); renormalised; sum_k w_k * w2 (silu(w1 h) * (w3 h)). */
    static double[] oracle(double[] h, double[][] gate, double[][][] w1, double[][][] w2, double[][][] w3, int k) {
        double[] weights = routing(h, gate, k, true), out = new double[h.length];
        for (int e = 0; e < gate.length; e++) {
            if (weights[e] == 0) continue;
            double[] y = swiglu(h, w1[e], w2[e], w3[e]);
            for (int o = 0; o < out.length; o++) out[o] += weights[e] * y[o];
        }
        return out;
    }

    /**
     * Each expert's weight: softmax(gate h) of the top k (ties to the lower index), renormalised to
     * sum 1 when asked; 0 for the others.
     */
    static double[] routing(double[] h, double[][] gate, int k, boolean normalize) {
        int n = gate.length;
        double[] logits = new double[n];
        for (int e = 0; e < n; e++) logits[e] = dot(gate[e], h);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double l : logits) max = Math.max(max, l);
        double[] p = new double[n];
        for (int e = 0; e < n; e++) sum += p[e] = Math.exp(logits[e] - max);
        for (int e = 0; e < n; e++) p[e] /= sum;
        List<Integer> order = new ArrayList<>();
        for (int e = 0; e < n; e++) order.add(e);
        order.sort((a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double kept = 0;
        for (int j = 0; j < k; j++) kept += p[order.get(j)];
        double[] weights = new double[n];
        for (int j = 0; j < k; j++) weights[order.get(j)] = normalize ? p[order.get(j)] / kept : p[order.get(j)];
        return weights;
    }

    /** w2 (silu(w1 h) * (w3 h)). */
    static double[] swiglu(double[] h, double[][] w1, double[][] w2, double[][] w3) {
        double[] act = new double[w1.length];
        for (int i = 0; i < act.length; i++) {
            double g = dot(w1[i], h);
            act[i] = g / (1 + Math.exp(-g)) * dot(w3[i], h);
        }
        double[] out = new double[w2.length];
        for (int o = 0; o < out.length; o++) out[o] = dot(w2[o], act);
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    // ---- the implementation under test ----

    @Test
    void sparseMoeMatchesTheFloat64OracleOfTransformersFormulas() {
        int hidden = 6, inter = 5, experts = 4, rows = 7;
        Random rnd = new Random(23);
        double[][] gate = matrix(rnd, experts, hidden);
        double[][][] w1 = new double[experts][][], w2 = new double[experts][][], w3 = new double[experts][][];
        for (int e = 0; e < experts; e++) {
            w1[e] = matrix(rnd, inter, hidden);
            w2[e] = matrix(rnd, hidden, inter);
            w3[e] = matrix(rnd, inter, hidden);
        }
        double[][] h = matrix(rnd, rows, hidden);
        try (Arena arena = Arena.ofConfined()) {
            Tensor[] t1 = new Tensor[experts], t2 = new Tensor[experts], t3 = new Tensor[experts];
            for (int e = 0; e < experts; e++) {
                t1[e] = tensor(arena, "w1", w1[e]);
                t2[e] = tensor(arena, "w2", w2[e]);
                t3[e] = tensor(arena, "w3", w3[e]);
            }
            for (int k = 1; k <= experts; k++) {
                int perToken = k;
                matches(new SparseMoe(tensor(arena, "gate", gate), t1, t2, t3, k, true, null, null), h, inter,
                        x -> oracle(x, gate, w1, w2, w3, perToken), "k=" + k);
            }
        }
    }

    /** moe's output for the rows h, prefilled and decoded, is the oracle's within float rounding; inter sizes the scratch. */
    static void matches(SparseMoe moe, double[][] h, int inter, java.util.function.Function<double[], double[]> oracle, String what) {
        int rows = h.length, hidden = h[0].length;
        float[] y = new float[rows * hidden];
        for (int r = 0; r < rows; r++) for (int i = 0; i < hidden; i++) y[r * hidden + i] = (float) h[r][i];
        for (boolean decoding : new boolean[] {false, true}) {
            float[] out = new float[rows * hidden];
            moe.forward(Kernels.cpu(), decoding, y, rows, new float[rows * inter], new float[rows * inter], out);
            for (int r = 0; r < rows; r++) {
                double[] want = oracle.apply(h[r]);
                for (int i = 0; i < hidden; i++) {
                    assertEquals(want[i], out[r * hidden + i], 1e-5 * (1 + Math.abs(want[i])), what + " row " + r + " [" + i + "] decoding=" + decoding);
                }
            }
        }
    }

    @Test
    void routingKeepsTheTopKRenormalisedAndBreaksTiesToTheLowerExpert() {
        float[] logits = {0f, 2f, 2f, -1f, /* row 2 */ 1f, 1f, 1f, 1f};
        SparseMoe.Routing r = SparseMoe.route(logits, 2, 4, 2, true);
        assertArrayEquals(new int[] {1, 2, 0, 1}, r.experts());
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, r.weights());
        SparseMoe.Routing one = SparseMoe.route(new float[] {0.3f, -2f, 0.9f}, 1, 3, 1, true);
        assertArrayEquals(new int[] {2}, one.experts());
        assertArrayEquals(new float[] {1f}, one.weights());
    }

    @Test
    void configReadsExpertsAndMixtralDefaults(@TempDir Path tmp) {
        ObjectNode c = (ObjectNode) Json.readFile(DemoTest.model("base").path().resolve("config.json"));
        c.put("model_type", "mixtral").put("num_local_experts", 4).remove(List.of("rope_theta", "rms_norm_eps"));
        LlamaConfig config = LlamaConfig.parse(c, "mixtral/config.json");
        assertEquals(new LlamaConfig.Experts(4, 2, true, 352, 0, 1, List.of()), config.experts());
        assertEquals(1e6, config.rope().theta());
        assertEquals(1e-5f, config.rmsNormEps());
        assertEquals(0, config.window(0));
        c.put("num_experts_per_tok", 5);
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.cocktail.engine.CocktailException.class,
                () -> LlamaConfig.parse(c, "mixtral/config.json"));
        assertEquals("mixtral/config.json: num_experts_per_tok 5 is more than num_local_experts 4.", e.getMessage());
    }

    /**
     * A Mixtral whose experts are all the demo base model's MLP, with a random router, is the base
     * model. Decoding (every product through the row-independent matvec) it is so bit for bit with one
     * expert per token, whose weight p / p is exactly 1. A prefill runs each expert over the rows routed
     * to it, and the GEMM kernel takes a different summation order for fewer rows than it tiles, so there
     * it is so within float rounding, as with two experts per token (weights summing to 1 up to rounding).
     */
    @Test
    void identicalExpertsGiveTheDenseModel(@TempDir Path tmp) throws Exception {
        ModelDir base = DemoTest.model("base");
        int[] ids = {1, 17, 42, 99, 5, 230, 8, 64, 3, 120, 7, 11};
        float[] dense, denseDecoded;
        try (Llama llama = Llama.load(base)) {
            dense = llama.logits(ids);
            denseDecoded = decoded(llama, ids);
        }
        for (int perToken : new int[] {1, 2}) {
            ModelDir moe = mixtralOf(base, tmp.resolve("moe" + perToken), 4, perToken);
            try (Llama llama = Llama.load(moe)) {
                assertEquals(new LlamaConfig.Experts(4, perToken, true, 352, 0, 1, List.of()), llama.config().experts());
                float[] got = llama.logits(ids);
                for (int i = 0; i < dense.length; i++) assertEquals(dense[i], got[i], 1e-5 * (1 + Math.abs(dense[i])), "logit " + i + ", " + perToken + " per token");
                float[] decoded = decoded(llama, ids);
                if (perToken == 1) {
                    assertArrayEquals(denseDecoded, decoded);
                } else {
                    for (int i = 0; i < decoded.length; i++) assertEquals(denseDecoded[i], decoded[i], 1e-5, "decoded " + i);
                }
            }
        }
    }

    /** The final hidden states of ids[1..] decoded one step each after ids[0]. */
    private static float[] decoded(Llama llama, int[] ids) {
        KvCache cache = new KvCache(llama.config(), ids.length);
        llama.hidden(TokenBatch.of(List.of(java.util.Arrays.copyOf(ids, 1)), 0), cache);
        return llama.hidden(TokenBatch.of(List.of(java.util.Arrays.copyOfRange(ids, 1, ids.length)), 0), cache);
    }

    /** The same Mixtral in transformers 5's layout (mlp.gate, fused mlp.experts.gate_up_proj and down_proj) gives the same bits. */
    @Test
    void transformers5LayoutGivesTheSameLogits(@TempDir Path tmp) throws Exception {
        ModelDir legacy = mixtralOf(DemoTest.model("base"), tmp.resolve("legacy"), 3, 2);
        ModelDir fused = transformers5(legacy, tmp.resolve("fused"), 3);
        int[] ids = {1, 17, 42, 99, 5, 230, 8};
        try (Llama a = Llama.load(legacy); Llama b = Llama.load(fused)) {
            assertArrayEquals(a.logits(ids), b.logits(ids));
        }
    }

    /** A transformers-4-layout Mixtral rewritten as transformers 5 (conversion_mapping.py's "mixtral") lays it out. */
    static ModelDir transformers5(ModelDir legacy, Path dir, int experts) throws Exception {
        Files.createDirectories(dir);
        Files.copy(legacy.path().resolve("config.json"), dir.resolve("config.json"));
        try (Checkpoint c = legacy.openCheckpoint(); Arena arena = Arena.ofConfined()) {
            List<TensorSpec> plan = new ArrayList<>();
            List<MemorySegment> data = new ArrayList<>();
            for (Tensor t : c.tensors()) {
                String n = t.name();
                if (!n.contains(".block_sparse_moe.")) {
                    plan.add(t.spec());
                    data.add(t.data());
                } else if (n.endsWith(".gate.weight")) {
                    String layer = n.substring(0, n.indexOf(".block_sparse_moe."));
                    plan.add(new TensorSpec(layer + ".mlp.gate.weight", t.dtype(), t.shape()));
                    data.add(t.data());
                    Tensor w1 = c.require(layer + ".block_sparse_moe.experts.0.w1.weight"), w2 = c.require(layer + ".block_sparse_moe.experts.0.w2.weight");
                    MemorySegment gateUp = arena.allocate(2 * experts * w1.byteSize()), down = arena.allocate(experts * w2.byteSize());
                    for (int e = 0; e < experts; e++) {
                        String p = layer + ".block_sparse_moe.experts." + e + ".";
                        MemorySegment.copy(c.require(p + "w1.weight").data(), 0, gateUp, 2L * e * w1.byteSize(), w1.byteSize());
                        MemorySegment.copy(c.require(p + "w3.weight").data(), 0, gateUp, (2L * e + 1) * w1.byteSize(), w1.byteSize());
                        MemorySegment.copy(c.require(p + "w2.weight").data(), 0, down, e * w2.byteSize(), w2.byteSize());
                    }
                    plan.add(new TensorSpec(layer + ".mlp.experts.gate_up_proj", w1.dtype(), new long[] {experts, 2 * w1.shape()[0], w1.shape()[1]}));
                    data.add(gateUp);
                    plan.add(new TensorSpec(layer + ".mlp.experts.down_proj", w2.dtype(), new long[] {experts, w2.shape()[0], w2.shape()[1]}));
                    data.add(down);
                }
            }
            write(dir, plan, data);
        }
        return ModelDir.resolve(dir.toString());
    }

    /** The router sends different rows to different experts: no expert is always or never chosen. */
    @Test
    void aRandomRouterSpreadsTokensOverExperts(@TempDir Path tmp) throws Exception {
        ModelDir moe = mixtralOf(DemoTest.model("base"), tmp.resolve("moe"), 4, 1);
        try (Llama llama = Llama.load(moe)) {
            int[] ids = new int[40];
            for (int i = 0; i < ids.length; i++) ids[i] = (i * 37 + 3) % 292;
            float[][] inputs = llama.layerInputs(ids);
            assertEquals(4, inputs.length);
            boolean[] used = new boolean[4];
            try (Checkpoint c = moe.openCheckpoint()) {
                Tensor gate = c.require("model.layers.1.block_sparse_moe.gate.weight");
                float[] g = new float[4 * 128];
                gate.toF32(0, g, 0, g.length);
                for (int r = 0; r < ids.length; r++) {
                    int best = 0;
                    double bestLogit = Double.NEGATIVE_INFINITY;
                    for (int e = 0; e < 4; e++) {
                        double l = 0;
                        for (int i = 0; i < 128; i++) l += g[e * 128 + i] * inputs[1][r * 128 + i];
                        if (l > bestLogit) {
                            bestLogit = l;
                            best = e;
                        }
                    }
                    used[best] = true;
                }
            }
            for (boolean u : used) assertTrue(u, "every expert gets some token");
        }
    }

    /** The dense model's tensors with its MLP copied into `experts` experts per layer and a seeded random router. */
    static ModelDir mixtralOf(ModelDir dense, Path dir, int experts, int perToken) throws Exception {
        ObjectNode config = dense.config();
        config.put("model_type", "mixtral").put("num_local_experts", experts).put("num_experts_per_tok", perToken);
        config.putArray("architectures").add("MixtralForCausalLM");
        int h = config.path("hidden_size").asInt();
        Random rnd = new Random(7);
        return rewrite(dense, dir, config, (t, out) -> {
            String n = t.name();
            if (!n.contains(".mlp.")) {
                out.add(t.spec(), t.data());
                return;
            }
            String layer = n.substring(0, n.indexOf(".mlp.")), w = n.contains("gate_proj") ? "w1" : n.contains("down_proj") ? "w2" : "w3";
            for (int e = 0; e < experts; e++) out.add(new TensorSpec(layer + ".block_sparse_moe.experts." + e + "." + w + ".weight", t.dtype(), t.shape()), t.data());
            if (w.equals("w1")) out.add(new TensorSpec(layer + ".block_sparse_moe.gate.weight", DType.F32, new long[] {experts, h}), out.gaussian(rnd, experts * h));
        });
    }

    /** Where a rewrite puts the tensors of the new model. */
    interface Tensors {
        void add(TensorSpec spec, MemorySegment data);

        /** count standard normal F32 values. */
        MemorySegment gaussian(Random rnd, int count);
    }

    /** A model in dir with this config.json and the tensors `each` gives for each of the dense model's tensors. */
    static ModelDir rewrite(ModelDir dense, Path dir, ObjectNode config, java.util.function.BiConsumer<Tensor, Tensors> each) throws Exception {
        Files.createDirectories(dir);
        Json.writeFile(dir.resolve("config.json"), config);
        try (Checkpoint c = dense.openCheckpoint(); Arena arena = Arena.ofConfined()) {
            List<TensorSpec> plan = new ArrayList<>();
            List<MemorySegment> data = new ArrayList<>();
            Tensors out = new Tensors() {
                public void add(TensorSpec spec, MemorySegment d) {
                    plan.add(spec);
                    data.add(d);
                }

                public MemorySegment gaussian(Random rnd, int count) {
                    MemorySegment m = arena.allocate(4L * count);
                    for (int i = 0; i < count; i++) m.setAtIndex(F32, i, (float) rnd.nextGaussian());
                    return m;
                }
            };
            for (Tensor t : c.tensors()) each.accept(t, out);
            write(dir, plan, data);
        }
        return ModelDir.resolve(dir.toString());
    }

    /** A checkpoint of these tensors in dir. */
    static void write(Path dir, List<TensorSpec> plan, List<MemorySegment> data) throws java.io.IOException {
        try (CheckpointWriter writer = CheckpointWriter.create(dir, plan, CheckpointWriter.DEFAULT_SHARD_SIZE)) {
            for (int i = 0; i < plan.size(); i++) writer.write(plan.get(i).name(), data.get(i));
            writer.finish();
        }
    }

    static double[][] matrix(Random rnd, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) for (int i = 0; i < cols; i++) row[i] = (float) (rnd.nextGaussian() * 0.7);
        return m;
    }

    static Tensor tensor(Arena arena, String name, double[][] m) {
        MemorySegment s = arena.allocate(4L * m.length * m[0].length);
        for (int r = 0; r < m.length; r++) for (int i = 0; i < m[0].length; i++) s.setAtIndex(F32, (long) r * m[0].length + i, (float) m[r][i]);
        return new Tensor(name, DType.F32, new long[] {m.length, m[0].length}, s);
    }
}
