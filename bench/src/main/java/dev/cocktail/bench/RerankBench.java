package dev.cocktail.bench;

import static dev.cocktail.bench.OnnxGraph.integer;
import static dev.cocktail.bench.OnnxGraph.ints;
import static dev.cocktail.bench.OnnxGraph.real;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.TensorSpec;
import dev.cocktail.models.Reranker;
import dev.cocktail.models.TokenBatch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Reranking throughput (pairs/s) on a random cross-encoder with bge-reranker-base's shapes
 * (XLMRobertaForSequenceClassification: hidden 768, 12 layers of 12 heads, intermediate 3072, vocab 250,002,
 * 514 positions from pad_token_id 1 + 1, one token type, eps 1e-5, head out_proj(tanh(dense(h[:,0]))), F32):
 * one batch of 32 pairs `<s> q </s></s> p </s>` of random ids, 64 to 200 tokens, right-padded to the longest
 * as FlagEmbedding batches them. Ours: models/Reranker on the shared kernel pool. ONNX Runtime (2 intra-op
 * threads): the same forward pass as an ONNX graph built here from primitives on the same weights (Gather,
 * LayerNormalization, MatMul, Softmax over an additive padding mask, Erf GELU, Tanh); the word table is a
 * graph input (fed the same direct buffer every run) so that the protobuf stays small, and the position ids
 * and mask, as transformers derives them from the ids, are computed here inside its timed pass. The sides
 * alternate, each after a pause (ONNX Runtime's pool spins ~50 ms after a run). Prints pairs/s per run, the
 * medians, the median per-run ratio and the largest logit difference.
 * <p>
 * Run: java --add-modules jdk.incubator.vector -Xmx6g -cp bench/target/benchmarks.jar dev.cocktail.bench.RerankBench [runs] [layers] [hidden]
 */
public final class RerankBench {
    static final int VOCAB = 250_002, POSITIONS = 514, PAD = 1, BOS = 0, EOS = 2, HEAD_DIM = 64;
    static final int PAIRS = 32, MIN_TOKENS = 64, MAX_TOKENS = 200;
    static final float EPS = 1e-5f;
    static final int PAUSE_MS = 200, WARMUP = 1;

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int hidden = args.length > 2 ? Integer.parseInt(args[2]) : 768;
        TokenBatch batch = pairs(new SplittableRandom(21));
        Path dir = Files.createTempDirectory("rerank-bench");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (Arena arena = Arena.ofShared()) {
            Model model = new Model(layers, hidden, batch, arena);
            byte[] onnx = model.build(dir);
            float[] ours = new float[PAIRS], theirs = new float[PAIRS];
            try (Reranker reranker = Reranker.load(ModelDir.resolve(dir.toString()));
                 OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                 OnnxTensor words = OnnxTensor.createTensor(env, model.words.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(),
                         new long[] {VOCAB, hidden})) {
                options.setIntraOpNumThreads(2);
                try (OrtSession session = env.createSession(onnx, options)) {
                    onnx = null;
                    Runnable ourPass = () -> System.arraycopy(reranker.scores(batch), 0, ours, 0, PAIRS);
                    Runnable theirPass = () -> runtimeScores(env, session, words, batch, theirs);
                    double[] our = new double[runs], their = new double[runs], ratio = new double[runs];
                    for (int r = -WARMUP; r < runs; r++) {
                        double o = PAIRS / timed(ourPass), t = PAIRS / timed(theirPass);
                        System.out.printf("%s %d: ours %.2f, ONNX Runtime %.2f pairs/s; ratio %.2f%n", r < 0 ? "warmup" : "run",
                                r < 0 ? r + WARMUP + 1 : r + 1, o, t, o / t);
                        if (r < 0) continue;
                        our[r] = o;
                        their[r] = t;
                        ratio[r] = o / t;
                    }
                    double diff = 0, largest = 0;
                    for (int i = 0; i < PAIRS; i++) {
                        diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
                        largest = Math.max(largest, Math.abs(theirs[i]));
                    }
                    int[] lengths = batch.lengths();
                    System.out.printf("%d layers, hidden %d; %d pairs of %d to %d tokens, padded to %d; median of %d runs: ours %.2f,"
                            + " ONNX Runtime %.2f pairs/s; median per-run ratio ours / theirs %.2f; max |logit difference| %.1e"
                            + " (largest |logit| %.2f)%n", layers, hidden, PAIRS, Arrays.stream(lengths).min().orElseThrow(),
                            Arrays.stream(lengths).max().orElseThrow(), batch.seqLen(), runs,
                            BertEncodeBench.median(our), BertEncodeBench.median(their), BertEncodeBench.median(ratio), diff, largest);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    /** PAIRS random pairs `<s> q </s></s> p </s>`: queries of 8 to 24 ids, passages filling 64 to 200 tokens. */
    static TokenBatch pairs(SplittableRandom random) {
        List<int[]> pairs = new ArrayList<>();
        for (int b = 0; b < PAIRS; b++) {
            int length = MIN_TOKENS + random.nextInt(MAX_TOKENS - MIN_TOKENS + 1), query = 8 + random.nextInt(17);
            int[] ids = new int[length];
            for (int i = 0; i < length; i++) ids[i] = 3 + random.nextInt(VOCAB - 3);
            ids[0] = BOS;
            ids[query + 1] = EOS;
            ids[query + 2] = EOS;
            ids[length - 1] = EOS;
            pairs.add(ids);
        }
        return TokenBatch.of(pairs, PAD);
    }

    /** ONNX Runtime's logits: positions cumsum(ids != pad) * (ids != pad) + pad and the additive mask, as transformers derives them. */
    private static void runtimeScores(OrtEnvironment env, OrtSession session, OnnxTensor words, TokenBatch batch, float[] out) {
        int n = batch.batch(), s = batch.seqLen();
        long[] ids = new long[n * s], positions = new long[n * s];
        float[] mask = new float[n * s];
        for (int b = 0; b < n; b++) {
            for (int t = 0, real = 0; t < s; t++) {
                int id = batch.ids()[b * s + t];
                ids[b * s + t] = id;
                positions[b * s + t] = id == PAD ? PAD : PAD + ++real;
                mask[b * s + t] = id == PAD ? -Float.MAX_VALUE : 0f;
            }
        }
        try (OnnxTensor idsTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {n, s});
             OnnxTensor positionTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {n, s});
             OnnxTensor maskTensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(mask), new long[] {n, 1, 1, s});
             OrtSession.Result r = session.run(Map.of("input_ids", idsTensor, "position_ids", positionTensor,
                     "attention_bias", maskTensor, "word_embeddings", words))) {
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Seconds of one pass, after the pause. */
    private static double timed(Runnable pass) throws InterruptedException {
        Thread.sleep(PAUSE_MS);
        long t0 = System.nanoTime();
        pass.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * The random reranker: written as config.json + model.safetensors, and the ONNX graph of the same
     * weights. The word table lives in `words` (off the heap, shared by the checkpoint writer and ONNX
     * Runtime's input); the other tensors are drawn in checkpoint order, kept until the graph is built.
     */
    private static final class Model {
        final int layers, hidden, heads, inter, n, s;
        final OnnxGraph g = new OnnxGraph(1);
        final MemorySegment words;
        final Map<String, float[]> weights = new LinkedHashMap<>();
        final List<TensorSpec> plan = new ArrayList<>();

        Model(int layers, int hidden, TokenBatch batch, Arena arena) {
            this.layers = layers;
            this.hidden = hidden;
            this.heads = hidden / HEAD_DIM;
            this.inter = 4 * hidden;
            this.n = batch.batch();
            this.s = batch.seqLen();
            words = arena.allocate(4L * VOCAB * hidden, 64);
            for (long i = 0; i < (long) VOCAB * hidden; i++) words.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, (float) (g.gaussian() * 0.05));
            plan.add(new TensorSpec("roberta.embeddings.word_embeddings.weight", DType.F32, new long[] {VOCAB, hidden}));
            add("roberta.embeddings.position_embeddings.weight", g.gaussians(POSITIONS * hidden, 0.05), POSITIONS, hidden);
            add("roberta.embeddings.token_type_embeddings.weight", g.gaussians(hidden, 0.05), 1, hidden);
            norm("roberta.embeddings.LayerNorm");
            for (int l = 0; l < layers; l++) {
                String p = "roberta.encoder.layer." + l + ".";
                for (String m : List.of("query", "key", "value")) linear(p + "attention.self." + m, hidden, hidden);
                linear(p + "attention.output.dense", hidden, hidden);
                norm(p + "attention.output.LayerNorm");
                linear(p + "intermediate.dense", inter, hidden);
                linear(p + "output.dense", hidden, inter);
                norm(p + "output.LayerNorm");
            }
            linear("classifier.dense", hidden, hidden);
            linear("classifier.out_proj", 1, hidden);
        }

        private void add(String name, float[] values, long... shape) {
            plan.add(new TensorSpec(name, DType.F32, shape));
            weights.put(name, values);
        }

        private void linear(String name, int out, int in) {
            add(name + ".weight", g.gaussians(out * in, 1 / Math.sqrt(in)), out, in);
            add(name + ".bias", g.gaussians(out, 0.02), out);
        }

        private void norm(String name) {
            float[] w = g.gaussians(hidden, 0.1);
            for (int i = 0; i < hidden; i++) w[i] += 1;
            add(name + ".weight", w, hidden);
            add(name + ".bias", g.gaussians(hidden, 0.02), hidden);
        }

        byte[] build(Path dir) throws Exception {
            Files.writeString(dir.resolve("config.json"), ("{\"architectures\": [\"XLMRobertaForSequenceClassification\"],"
                    + " \"model_type\": \"xlm-roberta\", \"hidden_size\": %d, \"num_hidden_layers\": %d, \"num_attention_heads\": %d,"
                    + " \"intermediate_size\": %d, \"vocab_size\": %d, \"max_position_embeddings\": %d, \"pad_token_id\": %d,"
                    + " \"type_vocab_size\": 1, \"layer_norm_eps\": 1e-05, \"hidden_act\": \"gelu\", \"num_labels\": 1,"
                    + " \"id2label\": {\"0\": \"LABEL_0\"}, \"label2id\": {\"LABEL_0\": 0}}")
                    .formatted(hidden, layers, heads, inter, VOCAB, POSITIONS, PAD));
            try (CheckpointWriter w = CheckpointWriter.create(dir, plan, CheckpointWriter.DEFAULT_SHARD_SIZE)) {
                w.write(plan.getFirst().name(), words);
                for (Map.Entry<String, float[]> e : weights.entrySet()) OnnxGraph.write(w, e.getKey(), e.getValue());
                w.finish();
            }
            String e = "roberta.embeddings.";
            String x = g.node("Add", List.of(g.node("Gather", List.of("word_embeddings", "input_ids")),
                    g.node("Gather", List.of(tensor(e + "position_embeddings.weight"), "position_ids"))));
            x = g.node("Reshape", List.of(g.node("Add", List.of(x, vector(e + "token_type_embeddings.weight"))), g.longs(n * s, hidden)));
            x = layerNorm(x, e + "LayerNorm");
            for (int l = 0; l < layers; l++) x = layer(x, "roberta.encoder.layer." + l + ".");
            String first = g.node("Reshape", List.of(g.node("Gather", List.of(g.node("Reshape", List.of(x, g.longs(n, s, hidden))),
                    g.longs(0)), m -> integer(m, "axis", 1)), g.longs(n, hidden)));
            String dense = g.node("Tanh", List.of(linear(first, "classifier.dense")));
            g.node("Reshape", List.of(linear(dense, "classifier.out_proj"), g.longs(n)), "logits");
            weights.clear();
            return g.model("reranker", 17, List.of(MatMulVsOrtBench.valueInfo("input_ids", 7, n, s),
                    MatMulVsOrtBench.valueInfo("position_ids", 7, n, s), MatMulVsOrtBench.floatInput("attention_bias", n, 1, 1, s),
                    MatMulVsOrtBench.floatInput("word_embeddings", VOCAB, hidden)), List.of(MatMulVsOrtBench.floatInput("logits", n)));
        }

        /** Post-LN: x = LN(x + attention(x)); x = LN(x + down(gelu(up(x)))). */
        private String layer(String x, String p) {
            String q = heads(g.node("Mul", List.of(linear(x, p + "attention.self.query"), g.scalar((float) (1 / Math.sqrt(HEAD_DIM))))), 0, 2, 1, 3);
            String k = heads(linear(x, p + "attention.self.key"), 0, 2, 3, 1);
            String v = heads(linear(x, p + "attention.self.value"), 0, 2, 1, 3);
            String scores = g.node("Add", List.of(g.node("MatMul", List.of(q, k)), "attention_bias"));
            String probs = g.node("Softmax", List.of(scores), m -> integer(m, "axis", -1));
            String att = g.node("Transpose", List.of(g.node("MatMul", List.of(probs, v))), m -> ints(m, "perm", 0, 2, 1, 3));
            att = linear(g.node("Reshape", List.of(att, g.longs(n * s, hidden))), p + "attention.output.dense");
            x = layerNorm(g.node("Add", List.of(x, att)), p + "attention.output.LayerNorm");
            String up = linear(x, p + "intermediate.dense");
            // exact GELU: 0.5 u (1 + erf(u / sqrt 2))
            String erf = g.node("Erf", List.of(g.node("Mul", List.of(up, g.scalar((float) (1 / Math.sqrt(2)))))));
            String gelu = g.node("Mul", List.of(g.node("Mul", List.of(up, g.node("Add", List.of(erf, g.scalar(1f))))), g.scalar(0.5f)));
            return layerNorm(g.node("Add", List.of(x, linear(gelu, p + "output.dense"))), p + "output.LayerNorm");
        }

        /** [n * s x hidden] to [n, s, heads, HEAD_DIM], transposed by perm. */
        private String heads(String x, long... perm) {
            return g.node("Transpose", List.of(g.node("Reshape", List.of(x, g.longs(n, s, heads, HEAD_DIM)))), m -> ints(m, "perm", perm));
        }

        private String linear(String x, String name) {
            float[] w = weights.get(name + ".weight");
            int in = Math.toIntExact(plan.stream().filter(t -> t.name().equals(name + ".weight")).findFirst().orElseThrow().shape()[1]);
            String product = g.node("MatMul", List.of(x, g.transposed(name + ".weight", w, w.length / in, in)));
            return g.node("Add", List.of(product, vector(name + ".bias")));
        }

        private String layerNorm(String x, String name) {
            return g.node("LayerNormalization", List.of(x, vector(name + ".weight"), vector(name + ".bias")), m -> {
                integer(m, "axis", -1);
                real(m, "epsilon", EPS);
            });
        }

        /** A 1-D weight as an initializer of its own shape, [hidden] for a [1 x hidden] token type row. */
        private String vector(String name) {
            float[] v = weights.get(name);
            g.initializer(name, v, v.length);
            return name;
        }

        private String tensor(String name) {
            float[] v = weights.get(name);
            g.initializer(name, v, v.length / hidden, hidden);
            return name;
        }
    }
}
