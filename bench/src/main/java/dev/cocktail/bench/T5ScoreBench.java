package dev.cocktail.bench;

import static dev.cocktail.bench.OnnxGraph.integer;
import static dev.cocktail.bench.OnnxGraph.ints;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.TensorSpec;
import dev.cocktail.models.RelativePositionBias;
import dev.cocktail.models.T5;
import dev.cocktail.models.TokenBatch;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Seq2seq scoring throughput on a random model with flan-t5-base's shapes (d_model 768, 12 heads x 64,
 * gated-gelu d_ff 2048, untied head, vocab 32128, F32; LAYERS encoder and as many decoder blocks, 12 as
 * published): one LM-Cocktail batch of 2 examples, inputs of S tokens and targets of T (unpadded), run
 * teacher-forced to every target token's logits. Ours: T5.encode, memory, decode, logits, on the shared
 * kernel pool. ONNX Runtime (2 intra-op threads): the same forward pass as an ONNX graph built here from
 * the same weights (T5 layer norm from primitives, relative position biases precomputed for these lengths,
 * the decoder's causal mask folded into its bias). The sides alternate, each after a pause (ONNX Runtime's
 * pool spins ~50 ms after a run). Prints tokens/s (input + target tokens) per run, the medians, the median
 * per-run ratio and the largest logit difference.
 * <p>
 * Run: java --add-modules jdk.incubator.vector -Xmx6g [-Dt5.evict=true] -cp bench/target/benchmarks.jar dev.cocktail.bench.T5ScoreBench [runs] [layers]
 */
public final class T5ScoreBench {
    static final int D = 768, HEADS = 12, DKV = 64, FF = 2048, VOCAB = 32128, BUCKETS = 32, MAX_DISTANCE = 128;
    static final int BATCH = 2, S = 48, T = 16;
    static final int PAUSE_MS = 200, CALLS = 3, WARMUP = 2;

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        Path dir = Files.createTempDirectory("t5-bench");
        try {
            run(runs, layers, dir);
        } finally { // the model is about 1 GB at 12 layers
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    /** Writes the model into dir, builds the graph, and times both sides. */
    private static void run(int runs, int layers, Path dir) throws Exception {
        byte[] onnx = new Graph(layers).build(dir);
        if (Boolean.getBoolean("t5.evict")) evict(dir.resolve("model.safetensors"));
        SplittableRandom random = new SplittableRandom(5);
        long[] ids = new long[BATCH * S], decoderIds = new long[BATCH * T];
        for (int i = 0; i < ids.length; i++) ids[i] = 2 + random.nextInt(VOCAB - 2);
        for (int i = 0; i < decoderIds.length; i++) decoderIds[i] = i % T == 0 ? 0 : 2 + random.nextInt(VOCAB - 2);
        List<int[]> inputs = new ArrayList<>(), targets = new ArrayList<>();
        for (int b = 0; b < BATCH; b++) {
            inputs.add(Arrays.stream(ids, b * S, (b + 1) * S).mapToInt(Math::toIntExact).toArray());
            targets.add(Arrays.stream(decoderIds, b * T, (b + 1) * T).mapToInt(Math::toIntExact).toArray());
        }
        TokenBatch input = TokenBatch.of(inputs, 0), target = TokenBatch.of(targets, 0);
        int[] rows = IntStream.range(0, BATCH * T).toArray();
        float[] ours = new float[BATCH * T * VOCAB], theirs = new float[ours.length];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (T5 model = T5.load(ModelDir.resolve(dir.toString()));
             OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(onnx, options);
                 OnnxTensor inIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {BATCH, S});
                 OnnxTensor outIds = OnnxTensor.createTensor(env, LongBuffer.wrap(decoderIds), new long[] {BATCH, T})) {
                onnx = null;
                Runnable ourPass = () -> {
                    float[] logits = model.logits(model.decode(target, model.memory(model.encode(input), input), null), rows);
                    System.arraycopy(logits, 0, ours, 0, logits.length);
                };
                Runnable theirPass = () -> {
                    try (OrtSession.Result r = session.run(Map.of("input_ids", inIds, "decoder_input_ids", outIds))) {
                        ((OnnxTensor) r.get(0)).getFloatBuffer().get(theirs);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
                double tokens = (double) BATCH * (S + T) * CALLS;
                double[] our = new double[runs], their = new double[runs], ratio = new double[runs];
                for (int r = -WARMUP; r < runs; r++) {
                    double o = tokens / timed(ourPass), t = tokens / timed(theirPass);
                    if (r < 0) continue;
                    our[r] = o;
                    their[r] = t;
                    ratio[r] = o / t;
                    System.out.printf("run %d: ours %.1f, ONNX Runtime %.1f tokens/s%n", r, o, t);
                }
                double diff = 0;
                for (int i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
                System.out.printf("%d+%d layers, batch %d x (%d + %d) tokens; median of %d runs: ours %.1f, ONNX Runtime %.1f"
                        + " tokens/s; ours / theirs %.2f; max |logit difference| %.1e%n", layers, layers, BATCH, S, T, runs,
                        BertEncodeBench.median(our), BertEncodeBench.median(their), BertEncodeBench.median(ratio), diff);
            }
        }
    }

    /**
     * With -Dt5.evict=true: drops the freshly written model from the page cache (written back first,
     * then posix_fadvise DONTNEED through dd), so that the loader's own faults fill it, as for a model
     * loaded from disk, instead of finding it cached in the small pages that writing left.
     */
    private static void evict(Path file) throws Exception {
        for (String[] command : List.of(new String[] {"sync", file.toString()},
                new String[] {"dd", "if=" + file, "iflag=nocache", "count=0", "status=none"})) {
            if (new ProcessBuilder(command).inheritIO().start().waitFor() != 0) throw new IllegalStateException(String.join(" ", command));
        }
    }

    /** Seconds of CALLS passes, after the pause. */
    private static double timed(Runnable pass) throws InterruptedException {
        Thread.sleep(PAUSE_MS);
        long t0 = System.nanoTime();
        for (int i = 0; i < CALLS; i++) pass.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * Writes the random model (config.json, model.safetensors) and builds the ONNX graph of the same
     * weights, tensor by tensor, so that only one tensor's floats are on the heap at a time.
     */
    private static final class Graph {
        final int layers;
        final OnnxGraph g = new OnnxGraph(1);
        final List<TensorSpec> plan = new ArrayList<>();
        CheckpointWriter writer;

        Graph(int layers) {
            this.layers = layers;
        }

        byte[] build(Path dir) throws Exception {
            planTensors();
            Files.writeString(dir.resolve("config.json"), ("{\"architectures\": [\"T5ForConditionalGeneration\"], \"model_type\": \"t5\","
                    + " \"d_model\": %d, \"d_kv\": %d, \"num_heads\": %d, \"d_ff\": %d, \"num_layers\": %d, \"num_decoder_layers\": %d,"
                    + " \"vocab_size\": %d, \"feed_forward_proj\": \"gated-gelu\", \"tie_word_embeddings\": false,"
                    + " \"relative_attention_num_buckets\": %d, \"relative_attention_max_distance\": %d}")
                    .formatted(D, DKV, HEADS, FF, layers, layers, VOCAB, BUCKETS, MAX_DISTANCE));
            try (CheckpointWriter w = CheckpointWriter.create(dir, plan, CheckpointWriter.DEFAULT_SHARD_SIZE)) {
                writer = w;
                String x = stack("encoder", S, null);
                String y = stack("decoder", T, x);
                g.node("MatMul", List.of(y, weight("lm_head.weight")), "logits2d");
                g.node("Reshape", List.of("logits2d", g.longs(BATCH, T, VOCAB)), "logits");
                w.finish();
            }
            return g.model("t5", 13, List.of(MatMulVsOrtBench.valueInfo("input_ids", 7, BATCH, S),
                    MatMulVsOrtBench.valueInfo("decoder_input_ids", 7, BATCH, T)), List.of(MatMulVsOrtBench.floatInput("logits", BATCH, T, VOCAB)));
        }

        private void planTensors() {
            plan.add(new TensorSpec("shared.weight", DType.F32, new long[] {VOCAB, D}));
            for (String stack : List.of("encoder", "decoder")) {
                boolean dec = stack.equals("decoder");
                for (int l = 0; l < layers; l++) {
                    // in the order the graph is built, which writes each tensor as it first needs it
                    String p = stack + ".block." + l + ".layer.";
                    if (l == 0) plan.add(matrix(p + "0.SelfAttention.relative_attention_bias.weight", BUCKETS, HEADS));
                    plan.add(vector(p + "0.layer_norm.weight"));
                    for (String m : List.of("q", "k", "v")) plan.add(matrix(p + "0.SelfAttention." + m + ".weight", HEADS * DKV, D));
                    plan.add(matrix(p + "0.SelfAttention.o.weight", D, HEADS * DKV));
                    if (dec) {
                        plan.add(vector(p + "1.layer_norm.weight"));
                        for (String m : List.of("q", "k", "v")) plan.add(matrix(p + "1.EncDecAttention." + m + ".weight", HEADS * DKV, D));
                        plan.add(matrix(p + "1.EncDecAttention.o.weight", D, HEADS * DKV));
                    }
                    String f = p + (dec ? 2 : 1) + ".";
                    plan.add(vector(f + "layer_norm.weight"));
                    plan.add(matrix(f + "DenseReluDense.wi_0.weight", FF, D));
                    plan.add(matrix(f + "DenseReluDense.wi_1.weight", FF, D));
                    plan.add(matrix(f + "DenseReluDense.wo.weight", D, FF));
                }
                plan.add(vector(stack + ".final_layer_norm.weight"));
            }
            plan.add(matrix("lm_head.weight", VOCAB, D));
        }

        private static TensorSpec matrix(String name, long n, long k) {
            return new TensorSpec(name, DType.F32, new long[] {n, k});
        }

        private static TensorSpec vector(String name) {
            return new TensorSpec(name, DType.F32, new long[] {D});
        }

        /** The stack's output [BATCH * n x D] after its final norm; the decoder's reads `encoded`. */
        private String stack(String stack, int n, String encoded) {
            boolean dec = encoded != null;
            String ids = dec ? "decoder_input_ids" : "input_ids";
            String x = g.node("Reshape", List.of(g.node("Gather", List.of(stack.equals("encoder") ? embedding() : "shared.weight", ids)),
                    g.longs(BATCH * n, D)));
            float[] table = values("%s.block.0.layer.0.SelfAttention.relative_attention_bias.weight".formatted(stack));
            String bias = positionBias(stack + ".bias", table, n, !dec);
            for (int l = 0; l < layers; l++) {
                String p = stack + ".block." + l + ".layer.";
                x = g.node("Add", List.of(x, attention(norm(x, p + "0.layer_norm.weight"), null, n, n, p + "0.SelfAttention.", bias)));
                if (dec) x = g.node("Add", List.of(x, attention(norm(x, p + "1.layer_norm.weight"), encoded, n, S, p + "1.EncDecAttention.", null)));
                String f = p + (dec ? 2 : 1) + ".";
                x = g.node("Add", List.of(x, feedForward(norm(x, f + "layer_norm.weight"), f + "DenseReluDense.")));
            }
            return norm(x, stack + ".final_layer_norm.weight");
        }

        /** The shared embedding, written once, its initializer read by both stacks. */
        private String embedding() {
            float[] w = g.gaussians(VOCAB * D, 1);
            OnnxGraph.write(writer, "shared.weight", w);
            g.initializer("shared.weight", w, VOCAB, D);
            return "shared.weight";
        }

        /** A [n x k] weight of the plan: random, written to the file, and its transpose an initializer for MatMul. */
        private String weight(String name) {
            TensorSpec s = plan.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
            int n = (int) s.shape()[0], k = (int) s.shape()[1];
            float[] w = g.gaussians(n * k, 1 / Math.sqrt(k) / (name.endsWith(".q.weight") ? Math.sqrt(DKV) : 1));
            OnnxGraph.write(writer, name, w);
            return g.transposed(name, w, n, k);
        }

        /** A relative attention bias table or norm weight: written, and returned for use here. */
        private float[] values(String name) {
            TensorSpec s = plan.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
            float[] v = new float[(int) s.elementCount()];
            for (int i = 0; i < v.length; i++) v[i] = s.shape().length == 1 ? (float) (1 + 0.1 * g.gaussian()) : (float) g.gaussian();
            OnnxGraph.write(writer, name, v);
            return v;
        }

        /** [1, HEADS, n, n]: table[bucket(j - i)][h], and -1e9 after the query in the decoder. */
        private String positionBias(String name, float[] table, int n, boolean bidirectional) {
            float[] b = new float[HEADS * n * n];
            for (int h = 0; h < HEADS; h++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        float mask = !bidirectional && j > i ? -1e9f : 0f;
                        b[(h * n + i) * n + j] = table[RelativePositionBias.bucket(j - i, bidirectional, BUCKETS, MAX_DISTANCE) * HEADS + h] + mask;
                    }
                }
            }
            g.initializer(name, b, 1, HEADS, n, n);
            return name;
        }

        /** T5 layer norm: x / sqrt(mean(x^2) + eps) * w. */
        private String norm(String x, String weight) {
            g.initializer(weight, values(weight), D);
            String ms = g.node("ReduceMean", List.of(g.node("Mul", List.of(x, x))), m -> ints(m, "axes", -1));
            String rms = g.node("Sqrt", List.of(g.node("Add", List.of(ms, g.scalar(1e-6f)))));
            return g.node("Mul", List.of(g.node("Div", List.of(x, rms)), weight));
        }

        private String attention(String x, String encoded, int queries, int keys, String p, String bias) {
            String kv = encoded == null ? x : encoded;
            String q = heads(g.node("MatMul", List.of(x, weight(p + "q.weight"))), queries, 0, 2, 1, 3);
            String k = heads(g.node("MatMul", List.of(kv, weight(p + "k.weight"))), keys, 0, 2, 3, 1);
            String v = heads(g.node("MatMul", List.of(kv, weight(p + "v.weight"))), keys, 0, 2, 1, 3);
            String scores = g.node("MatMul", List.of(q, k));
            if (bias != null) scores = g.node("Add", List.of(scores, bias));
            String probs = g.node("Softmax", List.of(scores), m -> integer(m, "axis", -1));
            String out = g.node("Transpose", List.of(g.node("MatMul", List.of(probs, v))), m -> ints(m, "perm", 0, 2, 1, 3));
            return g.node("MatMul", List.of(g.node("Reshape", List.of(out, g.longs(BATCH * queries, HEADS * DKV))), weight(p + "o.weight")));
        }

        /** [BATCH * n x HEADS*DKV] to [BATCH, n, HEADS, DKV], transposed by perm. */
        private String heads(String x, int n, long... perm) {
            return g.node("Transpose", List.of(g.node("Reshape", List.of(x, g.longs(BATCH, n, HEADS, DKV)))), m -> ints(m, "perm", perm));
        }

        /** wo(gelu_new(wi_0 h) * wi_1 h), gelu_new(a) = 0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3))). */
        private String feedForward(String h, String p) {
            String a = g.node("MatMul", List.of(h, weight(p + "wi_0.weight")));
            String cube = g.node("Mul", List.of(g.node("Mul", List.of(a, a)), a));
            String inner = g.node("Mul", List.of(g.node("Add", List.of(a, g.node("Mul", List.of(cube, g.scalar(0.044715f))))),
                    g.scalar((float) Math.sqrt(2 / Math.PI))));
            String gelu = g.node("Mul", List.of(g.node("Mul", List.of(a, g.node("Add", List.of(g.node("Tanh", List.of(inner)), g.scalar(1f))))),
                    g.scalar(0.5f)));
            String linear = g.node("MatMul", List.of(h, weight(p + "wi_1.weight")));
            return g.node("MatMul", List.of(g.node("Mul", List.of(gelu, linear)), weight(p + "wo.weight")));
        }
    }
}
