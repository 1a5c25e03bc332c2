package dev.cocktail.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TensorSpec;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * An XLM-RoBERTa of bge-small's shape made from the bge-small-en-v1.5 export, that gives the same hidden
 * states as the BERT graph on its token ids: a word table of XLM-R's 250,002 rows (the first 30,522 are
 * bge's, the rest random N(0, 0.05^2)), RoBERTa positions (pad id 1, so real token t reads row t + 2, which
 * holds bge's row t; rows 0 and 1 random) and one token type (bge's type 0).
 *
 * @param words the word table, [VOCAB x hidden] row-major, for ONNX Runtime to gather from as well
 */
record XlmrVariant(Path dir, float[] words) {
    static final int VOCAB = 250_002, PAD = 1;

    static XlmrVariant of(Path bert, Path out) throws IOException {
        ObjectNode config = (ObjectNode) Json.readFile(bert.resolve("config.json"));
        int hidden = config.get("hidden_size").asInt(), bertVocab = config.get("vocab_size").asInt();
        int positions = config.get("max_position_embeddings").asInt() + PAD + 1;
        Random random = new Random(21);
        float[] words = new float[VOCAB * hidden], pos = new float[positions * hidden], type = new float[hidden];
        List<TensorSpec> plan = new ArrayList<>();
        try (Checkpoint ck = Checkpoint.open(bert)) {
            for (Tensor t : ck.tensors()) plan.add(new TensorSpec(t.name(), DType.F32, t.shape()));
            for (int i = 0; i < words.length; i++) words[i] = (float) (random.nextGaussian() * 0.05);
            for (int i = 0; i < pos.length; i++) pos[i] = (float) (random.nextGaussian() * 0.05);
            ck.require("embeddings.word_embeddings.weight").toF32(0, words, 0, bertVocab * hidden);
            ck.require("embeddings.position_embeddings.weight").toF32(0, pos, (PAD + 1) * hidden, (positions - PAD - 1) * hidden);
            ck.require("embeddings.token_type_embeddings.weight").toF32(0, type, 0, hidden);
            plan.replaceAll(s -> switch (s.name()) {
                case "embeddings.word_embeddings.weight" -> new TensorSpec(s.name(), DType.F32, new long[] {VOCAB, hidden});
                case "embeddings.position_embeddings.weight" -> new TensorSpec(s.name(), DType.F32, new long[] {positions, hidden});
                case "embeddings.token_type_embeddings.weight" -> new TensorSpec(s.name(), DType.F32, new long[] {1, hidden});
                default -> s;
            });
            try (CheckpointWriter w = CheckpointWriter.create(out, plan, CheckpointWriter.DEFAULT_SHARD_SIZE)) {
                for (Tensor t : ck.tensors()) {
                    float[] v = switch (t.name()) {
                        case "embeddings.word_embeddings.weight" -> words;
                        case "embeddings.position_embeddings.weight" -> pos;
                        case "embeddings.token_type_embeddings.weight" -> type;
                        default -> {
                            float[] a = new float[Math.toIntExact(t.elementCount())];
                            t.toF32(0, a, 0, a.length);
                            yield a;
                        }
                    };
                    w.write(t.name(), MemorySegment.ofArray(v));
                }
                w.finish();
            }
        }
        config.putArray("architectures").add("XLMRobertaModel");
        config.put("model_type", "xlm-roberta").put("vocab_size", VOCAB).put("max_position_embeddings", positions)
                .put("type_vocab_size", 1).put("pad_token_id", PAD);
        Json.writeFile(out.resolve("config.json"), config);
        return new XlmrVariant(out, words);
    }
}
