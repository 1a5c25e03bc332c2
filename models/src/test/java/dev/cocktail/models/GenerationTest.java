package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GenerationTest {

    /** Feeding a sequence through the cache in pieces gives the logits of the whole-sequence pass. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-mha-f32", "tiny-gqa-bf16", "tiny-rope-llama3", "tiny-sharded"})
    void cachedPiecesMatchTheWholePass(String name) {
        try (Llama model = Llama.load(ModelDir.resolve(TestData.path("llama/" + name).toString()))) {
            int vocab = model.config().vocabSize();
            int[] ids = new int[23];
            for (int i = 0; i < ids.length; i++) ids[i] = 1 + (i * 37) % (vocab - 1);
            float[] whole = model.logits(ids);
            KvCache cache = new KvCache(model.config(), ids.length);
            int at = 0;
            for (int piece : new int[] {9, 1, 1, 5, 1, 6}) {
                int[] step = Arrays.copyOfRange(ids, at, at + piece);
                float[] hidden = model.hidden(TokenBatch.of(List.of(step), 0), cache);
                int[] rows = java.util.stream.IntStream.range(0, piece).toArray();
                float[] logits = model.logits(hidden, rows);
                for (int r = 0; r < piece; r++) {
                    for (int j = 0; j < vocab; j++) {
                        float want = whole[(at + r) * vocab + j], got = logits[r * vocab + j];
                        assertEquals(want, got, 1e-5, name + " position " + (at + r) + " logit " + j);
                    }
                }
                at += piece;
            }
            assertEquals(ids.length, cache.length());
        }
    }

    /** The demo's recorded greedy continuations (PyTorch, float32 from the BF16 weights). */
    @Test
    void greedyMatchesTheDemoSamples() throws IOException {
        Path demo = TestData.path("").getParent().resolve("examples");
        JsonNode results = Json.readFile(demo.resolve("results.json"));
        for (String model : List.of("base", "ft-sort")) {
            ModelDir dir = ModelDir.resolve(demo.resolve("models").resolve(model).toString());
            Tokenizer tok = Tokenizer.load(dir.path());
            try (Llama llama = Llama.load(dir)) {
                for (String task : List.of("sort", "add", "reverse")) {
                    List<String> lines = Files.readAllLines(demo.resolve("eval").resolve(task + ".jsonl"));
                    JsonNode samples = results.path("rows").path(model).path("samples").path(task);
                    assertTrue(samples.size() >= 3, "samples for " + model + "/" + task);
                    for (int i = 0; i < 3; i++) {
                        String input = Json.MAPPER.readTree(lines.get(i)).get("input").asText();
                        int[] out = Generation.greedy(llama, tok.encode(input, true).ids(), 16, 2);
                        assertEquals(samples.get(i).asText(), tok.decode(out, true), model + " " + task + " example " + i);
                    }
                }
            }
        }
    }

    /**
     * Prompts decoded together, more of them than places (so caches are reused), give each prompt the
     * ids it gets decoded alone, on the demo models and every fixture family.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama/tiny-mha-f32", "llama/tiny-gqa-bf16", "llama/tiny-rope-llama3", "llama/tiny-sharded",
            "llama/tiny-tied-f16", "cocktail-decoder/base", "demo:base", "demo:ft-sort", "decoders/tiny-gemma2",
            "decoders/tiny-gemma3", "decoders/tiny-mistral-window", "decoders/tiny-phi3", "decoders/tiny-qwen3"})
    void promptsDecodedTogetherGetTheIdsTheyGetAlone(String name) {
        Path path = name.startsWith("demo:")
                ? TestData.path("").getParent().resolve("examples").resolve("models").resolve(name.substring(5))
                : TestData.path(name);
        try (Llama model = Llama.load(ModelDir.resolve(path.toString()))) {
            int vocab = model.config().vocabSize();
            List<int[]> prompts = new java.util.ArrayList<>();
            for (int p = 0; p < 7; p++) {
                int[] ids = new int[1 + (p * 5) % 11];
                ids[0] = 1;
                for (int i = 1; i < ids.length; i++) ids[i] = 3 + (p * 131 + i * 37) % (vocab - 3);
                prompts.add(ids);
            }
            // an eos that some continuations meet: the id the first prompt's third step picks
            int eos = Generation.greedy(model, prompts.get(0), 3, -1)[2];
            for (int maxNew : new int[] {1, 9}) {
                List<int[]> alone = prompts.stream().map(p -> Generation.greedy(model, p, maxNew, eos)).toList();
                for (int parallel : new int[] {3, 8}) {
                    List<Integer> order = new java.util.ArrayList<>();
                    List<int[]> together = Generation.greedy(model, prompts, maxNew, eos, parallel, order::add);
                    for (int p = 0; p < prompts.size(); p++) {
                        assertArrayEquals(alone.get(p), together.get(p), name + " prompt " + p + " parallel " + parallel);
                    }
                    assertEquals(prompts.size(), new java.util.HashSet<>(order).size(), "each prompt reported once");
                }
            }
        }
    }

    @Test
    void argmaxTakesTheLowestIdOnATie() {
        assertEquals(1, Generation.argmax(new float[] {0f, 3f, 3f, -1f}));
    }
}
