package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
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
        // `$A </s>`, the extra ids as special added tokens, and `</s>` after each text of a pair
        assertEquals(299, tokenizer.tokenToId("<extra_id_0>"));
        Encoding masked = tokenizer.encode("x<extra_id_0>y", true);
        assertEquals(List.of("▁", "x", "<extra_id_0>", "▁", "y", "</s>"), masked.tokens());
        assertEquals(299, masked.ids()[2]);
        Encoding pair = tokenizer.encodePair("a", "b", true);
        assertEquals(1, pair.ids()[pair.length() - 1]);
        assertEquals(2, Arrays.stream(pair.ids()).filter(id -> id == 1).count());
    }

    private static void compare(List<String> failures, String where, String what, int[] want, int[] got) {
        if (!Arrays.equals(want, got)) failures.add(where + ": " + what + " " + Arrays.toString(want) + " but got " + Arrays.toString(got));
    }
}
