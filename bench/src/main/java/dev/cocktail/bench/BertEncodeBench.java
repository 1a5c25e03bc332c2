package dev.cocktail.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.models.Bert;
import dev.cocktail.models.OnnxBert;
import dev.cocktail.models.Pooling;
import dev.cocktail.models.TokenBatch;
import dev.cocktail.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * BERT encoding throughput on bge-small-en-v1.5 (12 layers, hidden 384): one batch of 32 sentences of about 30
 * tokens, right-padded to the longest, from token ids to (1) last_hidden_state of the real tokens and (2) the
 * sentence embeddings (normalized CLS rows, the pooling bge-small's configuration asks for). Ours: (1)
 * Bert.tokenStates, which computes no padded rows, (2) Pooling.CLS.embed, which also runs the last layer for the
 * CLS rows only; both on the shared kernel pool sized to the cores. ONNX Runtime (default session options, 2
 * intra-op threads) runs the original export on the padded batch, and (2) pools and normalizes its CLS rows; its
 * one forward pass is the peer of both. All in the same JVM, alternating within each run so that both sides see
 * the same machine load. Prints sentences/s per run and the medians. Tokenizing is left out on both sides.
 * <p>
 * Run: java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.cocktail.bench.BertEncodeBench [runs]
 */
public final class BertEncodeBench {
    static final int SENTENCES = 32;
    /** Words per sentence: about 30 word pieces with [CLS] and [SEP]. */
    static final int WORDS = 24;
    /** Batches per timed run, so that a run lasts long enough to time. */
    static final int BATCHES = 3;
    static final int WARMUP_RUNS = 3;
    /**
     * Idle time before each timed section, so that each starts on an idle machine: after a run, ONNX Runtime's
     * pool threads spin about 50 ms before they sleep (its default), which took one of the two cores from
     * whatever ran next (our matrix product right after ONNX Runtime's ran measurably slower than after a pause).
     */
    static final int PAUSE_MS = 200;

    /** Sentences are sliding windows over this text (distinct sentences, similar lengths). */
    static final String TEXT = "Model merging combines the weights of several fine-tuned language models into one"
            + " model without any further training. LM-Cocktail computes the mixing weights from the loss that each"
            + " candidate model gets on a handful of examples from the target task, so that the merged model keeps"
            + " its general abilities while it gains the new skill. Embedding models are merged the same way: the"
            + " loss is a contrastive one, where a query should score its positive passage above a set of negatives."
            + " The encoder reads every token of the input at once, and each layer mixes information between all"
            + " positions through self-attention, followed by a small feed-forward network applied to every position"
            + " independently. Sentence embeddings come from the first token or from the mean of all real tokens,"
            + " normalized to unit length, so that a dot product between two of them is their cosine similarity.";

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Path dir = Files.createTempDirectory("bert-encode-bench");
        try {
            OnnxBert.Export export = OnnxBert.export("bge-small-en-v1.5", dir);
            Tokenizer tokenizer = Tokenizer.load(dir.resolve("tokenizer.json"));
            String[] words = TEXT.split(" ");
            List<int[]> ids = new ArrayList<>();
            for (int s = 0; s < SENTENCES; s++) {
                int from = s * (words.length - WORDS) / (SENTENCES - 1);
                ids.add(tokenizer.encode(String.join(" ", Arrays.asList(words).subList(from, from + WORDS)), true).ids());
            }
            TokenBatch batch = TokenBatch.of(ids, 0);
            IntSummary lengths = IntSummary.of(batch.lengths());
            System.out.printf("bge-small-en-v1.5, batch of %d sentences, %d to %d tokens (mean %.1f), padded to %d; %d cores%n",
                    SENTENCES, lengths.min(), lengths.max(), lengths.mean(), batch.seqLen(), Runtime.getRuntime().availableProcessors());
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (Bert bert = Bert.load(ModelDir.resolve(dir.toString()));
                 OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(2);
                try (OrtSession session = env.createSession(export.onnx(), options)) {
                    // Both sides must compute the same thing for the comparison to mean anything.
                    float[] ours = bert.tokenStates(batch), theirs = OnnxBert.runtimeHidden(env, session, batch);
                    double diff = 0;
                    for (int b = 0, at = 0; b < batch.batch(); at += batch.lengths()[b++]) {
                        int h = bert.config().hiddenSize(), first = b * batch.seqLen() * h;
                        for (int i = 0; i < batch.lengths()[b] * h; i++) diff = Math.max(diff, Math.abs(ours[at * h + i] - theirs[first + i]));
                    }
                    System.out.printf("max |ours - ONNX Runtime| on real tokens: %.2e%n", diff);
                    float[] ourCls = Pooling.CLS.embed(bert, batch), theirCls = cls(theirs, batch, bert.config().hiddenSize());
                    double clsDiff = 0;
                    for (int i = 0; i < ourCls.length; i++) clsDiff = Math.max(clsDiff, Math.abs(ourCls[i] - theirCls[i]));
                    System.out.printf("max |ours - ONNX Runtime| on the normalized CLS embeddings: %.2e%n", clsDiff);
                    double[] tokenRate = new double[runs], clsRate = new double[runs], ortRate = new double[runs];
                    double[] tokenRatio = new double[runs], clsRatio = new double[runs];
                    for (int r = -WARMUP_RUNS; r < runs; r++) {
                        Thread.sleep(PAUSE_MS);
                        long t0 = System.nanoTime();
                        for (int i = 0; i < BATCHES; i++) bert.tokenStates(batch);
                        long t1 = System.nanoTime();
                        Thread.sleep(PAUSE_MS);
                        long t2 = System.nanoTime();
                        for (int i = 0; i < BATCHES; i++) Pooling.CLS.embed(bert, batch);
                        long t3 = System.nanoTime();
                        Thread.sleep(PAUSE_MS);
                        long t4 = System.nanoTime();
                        for (int i = 0; i < BATCHES; i++) cls(OnnxBert.runtimeHidden(env, session, batch), batch, bert.config().hiddenSize());
                        long t5 = System.nanoTime();
                        double o = rate(t1 - t0), e = rate(t3 - t2), x = rate(t5 - t4);
                        System.out.printf("%s %d: ours token states %.1f, CLS embeddings %.1f, ONNX Runtime %.1f sentences/s;"
                                + " ratios %.2f, %.2f%n", r < 0 ? "warmup" : "run", r < 0 ? r + WARMUP_RUNS + 1 : r + 1, o, e, x, o / x, e / x);
                        if (r >= 0) {
                            tokenRate[r] = o;
                            clsRate[r] = e;
                            ortRate[r] = x;
                            tokenRatio[r] = o / x;
                            clsRatio[r] = e / x;
                        }
                    }
                    // The load of a shared machine changes between runs: the per-run ratio (both sides seconds
                    // apart) is steadier than the ratio of the medians.
                    System.out.printf("median of %d runs: ours token states %.1f, CLS embeddings %.1f, ONNX Runtime %.1f sentences/s;"
                            + " median of the per-run ratios ours / ONNX Runtime: token states %.2f, CLS embeddings %.2f%n",
                            runs, median(tokenRate), median(clsRate), median(ortRate), median(tokenRatio), median(clsRatio));
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    /** The CLS row of each sequence of a padded last_hidden_state, normalized, as sentence-transformers pools bge. */
    static float[] cls(float[] hidden, TokenBatch batch, int dim) {
        float[] out = new float[batch.batch() * dim];
        for (int b = 0; b < batch.batch(); b++) {
            double norm = 0;
            for (int j = 0; j < dim; j++) norm += (double) hidden[b * batch.seqLen() * dim + j] * hidden[b * batch.seqLen() * dim + j];
            double scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
            for (int j = 0; j < dim; j++) out[b * dim + j] = (float) (hidden[b * batch.seqLen() * dim + j] * scale);
        }
        return out;
    }

    private record IntSummary(int min, int max, double mean) {
        static IntSummary of(int[] v) {
            return new IntSummary(Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow(),
                    Arrays.stream(v).average().orElseThrow());
        }
    }

    private static double rate(long nanos) {
        return (double) BATCHES * SENTENCES / (nanos / 1e9);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
