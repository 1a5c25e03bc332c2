package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SentencePiece Unigram tokenizers (XLM-RoBERTa's layout and T5's) against what the Rust tokenizers
 * library made of the corpus, 100 multilingual lines and 50 pairs: ids with and without special tokens,
 * token strings, type ids and decoding, all equal.
 */
class UnigramReferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"corpus", "multilingual"})
    void xlmRobertaLayoutMatchesRust(String set) {
        Tokenizer tokenizer = Fixtures.tokenizer("xlmr-unigram");
        List<JsonNode> expected = Fixtures.jsonLines(Fixtures.resource("tokenizers/xlmr-unigram/expected-" + set + ".jsonl"));
        if (set.equals("corpus")) assertEquals(Fixtures.corpus().size(), expected.size(), "one expected line per corpus text");
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            String text = want.get("text").asText();
            String where = set + " " + i + " " + ReferenceCorpusTest.quote(text);
            Encoding with = tokenizer.encode(text, true);
            compare(failures, where, "ids", Fixtures.ints(want.get("ids")), with.ids());
            compare(failures, where, "ids_no_special", Fixtures.ints(want.get("ids_no_special")), tokenizer.encode(text, false).ids());
            compare(failures, where, "type_ids", new int[with.length()], with.typeIds());
            if (!Fixtures.strings(want.get("tokens")).equals(with.tokens())) {
                failures.add(where + ": tokens " + Fixtures.strings(want.get("tokens")) + " but got " + with.tokens());
            }
            String decoded = tokenizer.decode(Fixtures.ints(want.get("ids_no_special")), false);
            if (!want.get("decoded").asText().equals(decoded)) {
                failures.add(where + ": decoded " + ReferenceCorpusTest.quote(want.get("decoded").asText()) + " but got " + ReferenceCorpusTest.quote(decoded));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches over " + expected.size() + " texts:\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }

    @Test
    void xlmRobertaPairsMatchRust() {
        Tokenizer tokenizer = Fixtures.tokenizer("xlmr-unigram");
        List<JsonNode> expected = Fixtures.jsonLines(Fixtures.resource("tokenizers/xlmr-unigram/expected-pairs.jsonl"));
        assertEquals(50, expected.size());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            String where = "pair " + i + " " + ReferenceCorpusTest.quote(want.get("text").asText());
            Encoding got = tokenizer.encodePair(want.get("text").asText(), want.get("text_pair").asText(), true);
            compare(failures, where, "ids", Fixtures.ints(want.get("ids")), got.ids());
            compare(failures, where, "type_ids", Fixtures.ints(want.get("type_ids")), got.typeIds());
            if (!Fixtures.strings(want.get("tokens")).equals(got.tokens())) {
                failures.add(where + ": tokens " + Fixtures.strings(want.get("tokens")) + " but got " + got.tokens());
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches over 50 pairs:\n" + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }

    /** The rerankers' pairs of the xlmr fixture, one of each truncated LongestFirst to 64 tokens. */
    @ParameterizedTest
    @ValueSource(strings = {"xlmr-unigram", "bert-base-uncased"})
    void rerankerPairsTruncateAsRust(String name) {
        JsonNode c = Fixtures.json(Fixtures.resource("tokenizers/reranker-pairs.json")).get("cases").get(name);
        Tokenizer tokenizer = Fixtures.tokenizer(name);
        int maxLength = c.get("max_length").asInt();
        int truncated = 0;
        for (int i = 0; i < c.get("pairs").size(); i++) {
            JsonNode pair = c.get("pairs").get(i);
            Encoding got = tokenizer.encodePair(pair.get(0).asText(), pair.get(1).asText(), true, maxLength);
            assertEquals(Arrays.toString(Fixtures.ints(c.get("input_ids").get(i))), Arrays.toString(got.ids()), name + " pair " + i);
            if (tokenizer.encodePair(pair.get(0).asText(), pair.get(1).asText(), true).length() > maxLength) truncated++;
        }
        assertEquals(1, truncated, "one pair of each reranker is longer than " + maxLength);
    }

    @Test
    void t5LayoutMatchesRust() {
        Tokenizer tokenizer = Fixtures.tokenizer("t5");
        JsonNode expected = Fixtures.json(Fixtures.resource("tokenizers/t5/expected-tokens.json"));
        for (int i = 0; i < expected.get("pairs").size(); i++) {
            for (String side : new String[] {"input", "output"}) {
                List<String> want = Fixtures.strings(expected.get("tokens").get(i).get(side));
                Encoding got = tokenizer.encode(expected.get("pairs").get(i).get(side).asText(), true);
                assertEquals(want, got.tokens(), side + " " + i);
                int[] wantIds = want.stream().mapToInt(tokenizer::tokenToId).toArray();
                assertTrue(Arrays.stream(wantIds).allMatch(id -> id >= 0), "every expected token is in the vocabulary");
                assertEquals(Arrays.toString(wantIds), Arrays.toString(got.ids()), side + " " + i);
            }
        }
        assertEquals(300, tokenizer.vocabSize());
        assertEquals(6002, Fixtures.tokenizer("xlmr-unigram").vocabSize());
        // `$A </s>`, the extra ids as special added tokens, and `</s>` after each text of a pair
        assertEquals(299, tokenizer.tokenToId("<extra_id_0>"));
        Encoding masked = tokenizer.encode("x<extra_id_0>y", true);
        assertEquals(List.of("▁", "x", "<extra_id_0>", "▁", "y", "</s>"), masked.tokens());
        assertEquals(299, masked.ids()[2]);
        Encoding pair = tokenizer.encodePair("a", "b", true);
        assertEquals(1, pair.ids()[pair.length() - 1]);
        assertEquals(2, Arrays.stream(pair.ids()).filter(id -> id == 1).count());
    }

    @Test
    void handBuiltCharsmapRewritesAndDeletes() {
        // keys: tab -> space, A -> a, B -> nothing (UnigramParityTest checks the same file against Rust)
        Tokenizer tiny = Fixtures.tokenizer("tiny-unigram");
        assertEquals(List.of("▁a", "▁", "x", "</s>"), tiny.encode("AB\tx", true).tokens());
        // an unknown character falls back to its UTF-8 bytes where the vocabulary has them all
        assertEquals(List.of("▁", "<0xC3>", "<0xA9>", "</s>"), tiny.encode("é", true).tokens());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64", "short trie", "swapped pieces", "unk id", "bad entry"})
    void brokenUnigramFilesAreRefusedInOneSentence(String broken, @TempDir Path dir) throws Exception {
        ObjectNode t = (ObjectNode) Fixtures.json(Fixtures.dir("xlmr-unigram").resolve("tokenizer.json"));
        ObjectNode precompiled = (ObjectNode) t.get("normalizer").get("normalizers").get(0);
        ArrayNode vocab = (ArrayNode) t.get("model").get("vocab");
        String problem = switch (broken) {
            case "not base64" -> {
                precompiled.put("precompiled_charsmap", "%%%not base64%%%");
                yield "the Precompiled normalizer's precompiled_charsmap is not valid base64";
            }
            case "short trie" -> {
                precompiled.put("precompiled_charsmap", Base64.getEncoder().encodeToString(new byte[] {(byte) 0xFF, 0, 0, 0, 1, 2, 3, 4}));
                yield "the Precompiled normalizer's precompiled_charsmap declares a trie of 255 bytes but holds 4 bytes";
            }
            case "swapped pieces" -> {
                JsonNode first = vocab.get(0);
                vocab.set(0, vocab.get(4));
                vocab.set(4, first);
                yield "the Unigram piece table does not match its ids: added token '<s>' has id 0 but the piece with that id is";
            }
            case "unk id" -> {
                ((ObjectNode) t.get("model")).put("unk_id", 6002);
                yield "the Unigram model's unk_id 6002 is not an id of its 6002 pieces";
            }
            default -> {
                vocab.set(7, Fixtures.JSON.readTree("[\"x\"]"));
                yield "the Unigram piece table's entry 7 [\"x\"] is not [piece, score]";
            }
        };
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, t.toString());
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith("tokenizer.json at " + file.toAbsolutePath() + ": " + problem), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static void compare(List<String> failures, String where, String what, int[] want, int[] got) {
        if (!Arrays.equals(want, got)) failures.add(where + ": " + what + " " + Arrays.toString(want) + " but got " + Arrays.toString(got));
    }
}
