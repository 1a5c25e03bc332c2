package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real all-MiniLM-L6-v2 (6 layers, 12 heads, hidden 384), converted from its ONNX export, against ONNX Runtime
 * running that export: last_hidden_state of right-padded batches with an attention mask.
 */
class MiniLmOnnxTest {
    /** Texts per batch: 24 texts make 3 batches, each padded to its own longest text. */
    static final int BATCH = 8;

    /** From 3 to about 200 tokens, so every batch mixes short and long rows (much padding, little padding). */
    static final List<String> TEXTS = List.of(
            "Hi",
            "The quick brown fox jumps over the lazy dog.",
            "Model merging averages the weights of several fine-tuned checkpoints, and LM-Cocktail picks the mixing"
                    + " weights from the loss on a handful of examples.",
            "OK.",
            "What is the capital of France?",
            "Paris is the capital and most populous city of France, with an estimated population of 2,102,650"
                    + " residents in January 2023 in an area of more than 105 km2.",
            "Café, naïve, résumé: accents are stripped by the BERT normalizer.",
            "1 2 3 4 5 6 7 8 9 10",
            "A sentence-transformers model maps sentences and paragraphs to a 384 dimensional dense vector space"
                    + " and can be used for tasks like clustering or semantic search. It was trained on a large and"
                    + " diverse dataset of over one billion training pairs, using a contrastive objective: given a"
                    + " sentence from the pair, the model should predict which out of a set of randomly sampled other"
                    + " sentences was actually paired with it in the dataset. By default, input text longer than 256"
                    + " word pieces is truncated, and the pooling takes the mean of the token embeddings, weighted by"
                    + " the attention mask, before normalizing the result to unit length so that dot products are"
                    + " cosine similarities.",
            "unbelievably",
            "Who wrote 'Pride and Prejudice'?",
            "Transformers process all tokens of a sequence in parallel.",
            "The weather today is sunny with a light breeze from the west.",
            "E = mc^2",
            "Please translate the following sentence into German: I would like a cup of coffee.",
            "Dogs",
            "Attention masks tell the encoder which positions are padding, so that real tokens never attend to them;"
                    + " the padded rows themselves are still computed, but nobody should read them.",
            "Is it raining?",
            "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
            "The mitochondria is the powerhouse of the cell.",
            "I can't believe it's not butter!",
            "Large language models forget general skills when fine-tuned on narrow tasks; merging the fine-tuned"
                    + " model back with the base model recovers much of what was lost.",
            "zero",
            "She sells sea shells by the sea shore, and the shells she sells are surely sea shells.");

    @Test
    void lastHiddenStateMatchesOnnxRuntime(@TempDir Path dir) throws Exception {
        OnnxBert.Export export = OnnxBert.export("all-minilm-l6-v2", dir);
        Tokenizer tokenizer = Tokenizer.load(dir.resolve("tokenizer.json"));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double real = 0, padded = 0;
        int batches = 0, realRows = 0, paddedRows = 0;
        try (Bert bert = Bert.load(ModelDir.resolve(dir.toString()));
             OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(export.onnx(), options)) {
            BertConfig c = bert.config();
            assertEquals(new BertConfig(384, 6, 12, 1536, 30522, 512, 2, 1e-12f, false, 0, BertConfig.Head.NONE), c, "config.json read from the graph");
            int h = c.hiddenSize();
            for (int from = 0; from < TEXTS.size(); from += BATCH, batches++) {
                List<int[]> ids = new ArrayList<>();
                for (String t : TEXTS.subList(from, Math.min(TEXTS.size(), from + BATCH))) ids.add(tokenizer.encode(t, true).ids());
                TokenBatch batch = TokenBatch.of(ids, 0);
                float[] ours = bert.hidden(batch), theirs = OnnxBert.runtimeHidden(env, session, batch);
                assertEquals(theirs.length, ours.length);
                // the same arithmetic; only sums over lanes may take another order while the JIT warms up (3.9e-6 seen)
                double alone = BertFixtureTest.maxDiff(BertFixtureTest.realRows(ours, batch, h), bert.tokenStates(batch));
                assertTrue(alone <= 1e-5, "real tokens computed alone: max diff " + alone);
                float[] cls = bert.clsStates(batch), first = new float[cls.length];
                for (int b = 0; b < batch.batch(); b++) System.arraycopy(ours, b * batch.seqLen() * h, first, b * h, h);
                double clsAlone = BertFixtureTest.maxDiff(first, cls);
                assertTrue(clsAlone <= 1e-5, "first rows computed alone in the last layer: max diff " + clsAlone);
                for (int b = 0; b < batch.batch(); b++) {
                    for (int t = 0; t < batch.seqLen(); t++) {
                        int r = b * batch.seqLen() + t;
                        double d = 0;
                        for (int j = 0; j < h; j++) d = Math.max(d, Math.abs(ours[r * h + j] - theirs[r * h + j]));
                        if (t < batch.lengths()[b]) {
                            real = Math.max(real, d);
                            realRows++;
                        } else {
                            padded = Math.max(padded, d);
                            paddedRows++;
                        }
                    }
                }
            }
        }
        System.out.printf("all-MiniLM-L6-v2 vs ONNX Runtime, %d texts in %d batches: max |diff| %.2e over %d real rows,"
                + " %.2e over %d padded rows%n", TEXTS.size(), batches, real, realRows, padded, paddedRows);
        assertTrue(paddedRows > 0, "the batches have padding");
        assertTrue(real <= 1e-4, "last_hidden_state on real tokens: max |diff| " + real);
    }
}
