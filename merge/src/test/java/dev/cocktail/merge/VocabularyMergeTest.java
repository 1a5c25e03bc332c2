package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import dev.cocktail.tokenizer.Encoding;
import dev.cocktail.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merges of models whose vocabularies differ (copies of the decoder fixture's tokenizer with added
 * tokens, and little models with a row per token), checked row by row against mergekit's rules in
 * tokenizer/build.py and embed.py, and the merged tokenizer against each input's on text.
 */
class VocabularyMergeTest {
    static final int H = 8;
    static final int BASE_VOCAB = 379;
    static final List<String> VOCAB_TENSORS = List.of("model.embed_tokens.weight", "lm_head.weight");

    @TempDir
    Path tmp;
    Map<String, float[]> base, a, b;

    /**
     * base: the fixture's 379 tokens. a: + <|im_start|> (special) at 379 and <|a|> at 380.
     * b: + <|b|> at 379 and <|im_start|> at 380, so that the two disagree on ids.
     */
    @BeforeEach
    void models() throws IOException {
        base = model(1, BASE_VOCAB);
        a = model(2, BASE_VOCAB + 2);
        b = model(3, BASE_VOCAB + 2);
        write("base", base, BASE_VOCAB, List.of());
        write("a", a, BASE_VOCAB + 2, List.of(added(379, "<|im_start|>", true), added(380, "<|a|>", false)));
        write("b", b, BASE_VOCAB + 2, List.of(added(379, "<|b|>", false), added(380, "<|im_start|>", true)));
    }

    static Map<String, float[]> model(long seed, int vocab) {
        Map<String, float[]> m = TinyModels.random(seed, null, 1);
        Random r = new Random(seed + 100);
        for (String n : VOCAB_TENSORS) {
            float[] v = new float[vocab * H];
            for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
            m.put(n, v);
        }
        return m;
    }

    static ObjectNode added(int id, String content, boolean special) {
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("id", id).put("content", content).put("single_word", false).put("lstrip", false).put("rstrip", false)
                .put("normalized", !special).put("special", special);
        return t;
    }

    void write(String name, Map<String, float[]> m, int vocab, List<ObjectNode> more) throws IOException {
        Path dir = TinyModels.write(tmp.resolve(name), m, vocab);
        Path fixture = TestData.path("cocktail-decoder/base");
        ObjectNode tok = (ObjectNode) Json.readFile(fixture.resolve("tokenizer.json"));
        more.forEach(((ArrayNode) tok.get("added_tokens"))::add);
        Json.writeFile(dir.resolve("tokenizer.json"), tok);
        Files.copy(fixture.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Files.copy(fixture.resolve("special_tokens_map.json"), dir.resolve("special_tokens_map.json"));
    }

    Path merge(String yaml) throws IOException {
        Path recipe = tmp.resolve("r.yml");
        Files.writeString(recipe, yaml);
        Path out = tmp.resolve("out");
        MergekitMerge.merge(new MergekitMerge.Request(recipe, new Output(out, true, 5_000_000_000L, false), 42), Progress.NONE, "test");
        return out;
    }

    String refused(String yaml) {
        return assertThrows(CocktailException.class, () -> merge(yaml)).getMessage();
    }

    static float[] row(Map<String, float[]> m, String tensor, int row) {
        return Arrays.copyOfRange(m.get(tensor), row * H, (row + 1) * H);
    }

    static float[] mean(float[]... rows) {
        float[] s = new float[H];
        for (float[] r : rows) for (int i = 0; i < H; i++) s[i] += r[i];
        for (int i = 0; i < H; i++) s[i] /= rows.length;
        return s;
    }

    static void near(float[] want, float[] got, String what) {
        for (int i = 0; i < H; i++) assertEquals(want[i], got[i], 1e-5, what + " [" + i + "]");
    }

    static final String LINEAR = """
            models:
              - model: base
                parameters: {weight: 1}
              - model: a
                parameters: {weight: 1}
              - model: b
                parameters: {weight: 1}
            merge_method: linear
            base_model: base
            """;

    @Test
    void unionRemapsRowsAsMergekit() throws IOException {
        Path out = merge(LINEAR + "tokenizer_source: union\n");
        Map<String, float[]> m = TinyModels.read(out);
        for (String t : VOCAB_TENSORS) {
            assertEquals(382 * H, m.get(t).length, t);
            for (int id : new int[] {0, 3, 200, 378}) {
                near(mean(row(base, t, id), row(a, t, id), row(b, t, id)), row(m, t, id), t + " shared token " + id);
            }
            // <|im_start|>: the base lacks it, a and b have it: the base's row is their mean, so the merge is too
            near(mean(row(a, t, 379), row(b, t, 380)), row(m, t, 379), t + " <|im_start|>");
            // <|a|> and <|b|>: one input has each, and lends its row to the others
            near(row(a, t, 380), row(m, t, 380), t + " <|a|>");
            near(row(b, t, 379), row(m, t, 381), t + " <|b|>");
        }
        assertEquals(382, Json.readFile(out.resolve("config.json")).get("vocab_size").asInt());
        assertFalse(Files.exists(out.resolve("added_tokens.json")));
        try (Stream<Path> left = Files.list(tmp)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".cocktail-vocab-")), "the scratch folder is removed");
        }
    }

    /** The merged tokenizer gives each input's tokens on text that input knows (ids through the token strings). */
    @Test
    void unionTokenizerEncodesLikeEachInput() throws IOException {
        Path out = merge(LINEAR + "tokenizer_source: union\n");
        Tokenizer union = Tokenizer.load(out);
        assertEquals(382, union.vocabSize());
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("base", "the quick brown fox jumps over 12 lazy dogs.");
        texts.put("a", "<|im_start|>user hello<|a|> world <|a|>");
        texts.put("b", "<|b|> counting 1 2 3<|im_start|>assistant");
        for (var e : texts.entrySet()) {
            Tokenizer own = Tokenizer.load(tmp.resolve(e.getKey()));
            Encoding mine = own.encode(e.getValue(), true), merged = union.encode(e.getValue(), true);
            assertEquals(strings(own, mine.ids()), strings(union, merged.ids()), e.getKey());
            if (e.getKey().equals("base")) assertArrayEquals(mine.ids(), merged.ids());
        }
        assertEquals(379, union.tokenToId("<|im_start|>"));
        assertEquals(381, union.tokenToId("<|b|>"));
    }

    static List<String> strings(Tokenizer t, int[] ids) {
        return Arrays.stream(ids).mapToObj(t::idToToken).toList();
    }

    @Test
    void baseSourceKeepsTheBaseVocabulary() throws IOException {
        Path out = merge(LINEAR + "tokenizer_source: base\n");
        Map<String, float[]> m = TinyModels.read(out);
        assertEquals(BASE_VOCAB * H, m.get("lm_head.weight").length);
        near(mean(row(base, "lm_head.weight", 7), row(a, "lm_head.weight", 7), row(b, "lm_head.weight", 7)),
                row(m, "lm_head.weight", 7), "row 7");
        assertEquals(Files.readString(tmp.resolve("base/tokenizer.json")), Files.readString(out.resolve("tokenizer.json")));
        assertEquals(BASE_VOCAB, Json.readFile(out.resolve("config.json")).get("vocab_size").asInt());
    }

    @Test
    void tokensBlockSourcesForceAndPadding() throws IOException {
        Path out = merge(LINEAR + """
                tokenizer:
                  source: union
                  pad_to_multiple_of: 8
                  tokens:
                    <|im_start|>: {source: b, force: true}
                    <|new|>: {source: {kind: zero}}
                    <|renamed|>: {source: {kind: model_token, model: a, token: <|a|>}}
                    <|by_id|>: {source: {kind: model_token, model: b, token_id: 5}}
                """);
        Map<String, float[]> m = TinyModels.read(out);
        String t = "model.embed_tokens.weight";
        assertEquals(392 * H, m.get(t).length, "385 tokens, padded to a multiple of 8");
        near(row(b, t, 380), row(m, t, 379), "forced <|im_start|> from b");
        near(new float[H], row(m, t, 382), "<|new|> zero");
        near(row(a, t, 380), row(m, t, 383), "<|renamed|>");
        near(row(b, t, 5), row(m, t, 384), "<|by_id|>");
        assertEquals(392, Json.readFile(out.resolve("config.json")).get("vocab_size").asInt());
        Tokenizer union = Tokenizer.load(out);
        assertEquals(382, union.tokenToId("<|new|>"));
        assertEquals(383, union.tokenToId("<|renamed|>"));
        assertEquals(384, union.tokenToId("<|by_id|>"));
    }

    @Test
    void paddingRowsAreTheMeanOfTheRowsAbove() throws IOException {
        Path out = merge(LINEAR + "tokenizer: {source: union, pad_to_multiple_of: 128}\n");
        Map<String, float[]> m = TinyModels.read(out);
        String t = "lm_head.weight";
        assertEquals(384 * H, m.get(t).length);
        float[][] rows = new float[382][];
        for (int i = 0; i < 382; i++) rows[i] = row(m, t, i);
        near(mean(rows), row(m, t, 383), "padding row");
    }

    @Test
    void refusals() {
        String m = refused(LINEAR);
        assertTrue(m.contains("tokenizer_source: union"), m);
        m = refused(LINEAR + "tokenizer: {tokens: {<|im_start|>: {source: base}}}\n");
        assertTrue(m.contains("'<|im_start|>' takes its embedding from base, whose vocabulary does not have it"), m);
        m = refused(LINEAR + "tokenizer: {tokens: {<|x|>: {source: nowhere}}}\n");
        assertTrue(m.contains("nowhere, which is not one of the recipe's models"), m);
        m = refused(LINEAR + "tokenizer: {tokens: {<|x|>: {source: {kind: model_token, model: a, token: <|zz|>}}}}\n");
        assertTrue(m.contains("'<|zz|>', which is not in a's vocabulary"), m);
        m = refused(LINEAR + "tokenizer: {tokens: {<|x|>: {force: true}}}\n");
        assertTrue(m.contains("token '<|x|>' needs a source"), m);
        m = refused(LINEAR + "tokenizer: {source: union, max_vocab_size: 381}\n");
        assertTrue(m.contains("would have 382 tokens, more than tokenizer.max_vocab_size (381)"), m);
        m = refused(LINEAR + "tokenizer_source: union\ntokenizer: {source: union}\n");
        assertTrue(m.contains("not both"), m);
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }
}
