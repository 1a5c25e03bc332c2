package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TensorSpec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Qwen2-MoE's sparse MLP with its shared expert: against a float64 oracle written from transformers'
 * Qwen2MoeSparseMoeBlock, its config's defaults, and a whole Qwen2-MoE built from one dense model's
 * MLP against that dense model.
 */
class Qwen2MoeTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * transformers' Qwen2MoeSparseMoeBlock in float64: the top-k of softmax(gate h) (ties to the lower
     * index), renormalised only with norm_topk_prob, times each chosen expert's SwiGLU; plus
     * sigmoid(sharedGate . h) times the shared expert's SwiGLU.
     */
    static double[] oracle(double[] h, double[][] gate, double[][][][] experts, boolean normalize, double[][][] shared, double[] sharedGate, int k) {
        double[] weights = MixtralTest.routing(h, gate, k, normalize), out = new double[h.length];
        for (int e = 0; e < gate.length; e++) if (weights[e] != 0) add(out, swiglu(h, experts[e]), weights[e]);
        add(out, swiglu(h, shared), 1 / (1 + Math.exp(-MixtralTest.dot(sharedGate, h))));
        return out;
    }

    /** The SwiGLU MLP mlp = {gate, down, up} of h. */
    static double[] swiglu(double[] h, double[][][] mlp) {
        return MixtralTest.swiglu(h, mlp[0], mlp[1], mlp[2]);
    }

    static void add(double[] acc, double[] x, double w) {
        for (int i = 0; i < acc.length; i++) acc[i] += w * x[i];
    }

    @Test
    void sparseMoeWithSharedExpertMatchesTheFloat64Oracle() {
        int hidden = 6, inter = 5, sharedInter = 7, n = 4, rows = 7;
        Random rnd = new Random(29);
        double[][] gate = matrix(rnd, n, hidden), h = matrix(rnd, rows, hidden);
        double[][][][] experts = new double[n][][][];
        for (int e = 0; e < n; e++) experts[e] = mlp(rnd, hidden, inter);
        double[][][] shared = mlp(rnd, hidden, sharedInter);
        double[] sharedGate = matrix(rnd, 1, hidden)[0];
        try (Arena arena = Arena.ofConfined()) {
            Tensor[] t1 = new Tensor[n], t2 = new Tensor[n], t3 = new Tensor[n];
            for (int e = 0; e < n; e++) {
                t1[e] = tensor(arena, experts[e][0]);
                t2[e] = tensor(arena, experts[e][1]);
                t3[e] = tensor(arena, experts[e][2]);
            }
            Tensor[] s = {tensor(arena, shared[0]), tensor(arena, shared[1]), tensor(arena, shared[2])};
            for (boolean normalize : new boolean[] {false, true}) {
                for (int k = 1; k <= n; k++) {
                    int perToken = k;
                    SparseMoe moe = new SparseMoe(tensor(arena, gate), t1, t2, t3, k, normalize, s, tensor(arena, new double[][] {sharedGate}));
                    // scratch sized for the experts only: the shared expert's wider MLP needs more
                    MixtralTest.matches(moe, h, inter, x -> oracle(x, gate, experts, normalize, shared, sharedGate, perToken),
                            "k=" + k + " normalize=" + normalize);
                }
            }
        }
    }

    @Test
    void configReadsQwen2MoeDefaults() {
        ObjectNode c = (ObjectNode) Json.readFile(DemoTest.model("base").path().resolve("config.json"));
        c.put("model_type", "qwen2_moe");
        LlamaConfig config = LlamaConfig.parse(c, "qwen2_moe/config.json");
        assertEquals(new LlamaConfig.Experts(60, 4, false, 1408, 5632, 1, List.of()), config.experts());
        assertTrue(config.qkvBias(), "qkv_bias defaults to true");
        assertFalse(config.attentionBias());
        c.put("decoder_sparse_step", 2).put("qkv_bias", false).putArray("mlp_only_layers").add(1);
        config = LlamaConfig.parse(c, "qwen2_moe/config.json");
        assertFalse(config.qkvBias());
        LlamaConfig.Experts x = config.experts();
        assertEquals(List.of(false, false, false, true), List.of(x.sparse(0), x.sparse(1), x.sparse(2), x.sparse(3)));
        assertNull(LlamaConfig.parse((ObjectNode) Json.readFile(DemoTest.model("base").path().resolve("config.json")), "x").experts());
    }

    /**
     * A Qwen2-MoE whose experts are the demo base model's MLP with the down projection halved, whose
     * shared expert is that MLP whole behind a zero gate (sigmoid 0 = 1/2), with zero q/k/v biases,
     * is the base model: 1/2 MLP from the routed experts (weights renormalised to 1) plus 1/2 MLP from
     * the shared one. Halving is exact, so the logits agree within float rounding.
     */
    @Test
    void halvedExpertsAndAHalfGatedSharedExpertGiveTheDenseModel(@TempDir Path tmp) throws Exception {
        ModelDir base = DemoTest.model("base");
        int[] ids = {1, 17, 42, 99, 5, 230, 8, 64, 3, 120, 7, 11};
        float[] dense;
        try (Llama llama = Llama.load(base)) {
            dense = llama.logits(ids);
        }
        ModelDir moe = qwenOf(base, tmp.resolve("qwen"), 4, 2);
        try (Llama llama = Llama.load(moe)) {
            assertEquals(LlamaConfig.Family.QWEN2_MOE, llama.config().family());
            float[] got = llama.logits(ids);
            for (int i = 0; i < dense.length; i++) assertEquals(dense[i], got[i], 1e-5 * (1 + Math.abs(dense[i])), "logit " + i);
        }
    }

    /** The dense model as a Qwen2-MoE of `experts` halved copies of its MLP, a whole shared copy with a zero gate, a seeded router. */
    static ModelDir qwenOf(ModelDir dense, Path dir, int experts, int perToken) throws Exception {
        ObjectNode config = dense.config();
        int h = config.path("hidden_size").asInt(), inter = config.path("intermediate_size").asInt();
        config.put("model_type", "qwen2_moe").put("num_experts", experts).put("num_experts_per_tok", perToken).put("norm_topk_prob", true)
                .put("moe_intermediate_size", inter).put("shared_expert_intermediate_size", inter);
        config.putArray("architectures").add("Qwen2MoeForCausalLM");
        Random rnd = new Random(11);
        try (Arena arena = Arena.ofConfined()) {
            return MixtralTest.rewrite(dense, dir, config, (t, out) -> {
                String n = t.name();
                if (!n.contains(".mlp.")) {
                    out.add(t.spec(), t.data());
                    if (n.endsWith("_proj.weight") && !n.endsWith("o_proj.weight")) {
                        out.add(new TensorSpec(n.replace(".weight", ".bias"), DType.F32, new long[] {t.shape()[0]}), arena.allocate(4L * t.shape()[0]));
                    }
                    return;
                }
                String layer = n.substring(0, n.indexOf(".mlp.")), proj = n.substring(n.indexOf(".mlp.") + 5);
                MemorySegment whole = f32(arena, t, 1), half = f32(arena, t, 0.5f);
                for (int e = 0; e < experts; e++) {
                    out.add(new TensorSpec(layer + ".mlp.experts." + e + "." + proj, DType.F32, t.shape()), proj.startsWith("down_proj") ? half : whole);
                }
                out.add(new TensorSpec(layer + ".mlp.shared_expert." + proj, DType.F32, t.shape()), whole);
                if (proj.startsWith("gate_proj")) {
                    out.add(new TensorSpec(layer + ".mlp.gate.weight", DType.F32, new long[] {experts, h}), out.gaussian(rnd, experts * h));
                    out.add(new TensorSpec(layer + ".mlp.shared_expert_gate.weight", DType.F32, new long[] {1, h}), arena.allocate(4L * h));
                }
            });
        }
    }

    /** t widened to F32 and times s. */
    private static MemorySegment f32(Arena arena, Tensor t, float s) {
        float[] v = new float[(int) t.elementCount()];
        t.toF32(0, v, 0, v.length);
        MemorySegment m = arena.allocate(4L * v.length);
        for (int i = 0; i < v.length; i++) m.setAtIndex(F32, i, v[i] * s);
        return m;
    }

    private static double[][][] mlp(Random rnd, int hidden, int inter) {
        return new double[][][] {matrix(rnd, inter, hidden), matrix(rnd, hidden, inter), matrix(rnd, inter, hidden)};
    }

    private static double[][] matrix(Random rnd, int rows, int cols) {
        return MixtralTest.matrix(rnd, rows, cols);
    }

    private static Tensor tensor(Arena arena, double[][] m) {
        return MixtralTest.tensor(arena, "t", m);
    }
}
