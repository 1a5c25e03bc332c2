package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The byte-level BPE tokenizers of the demo models and of the LM-Cocktail decoder fixture. */
class SmallModelTokenizerTest {

    @Test
    void demoTokenizerGivesTheRustIdsForAll2050Cases() {
        Tokenizer tokenizer = Tokenizer.load(Fixtures.resource("demo"));
        JsonNode cases = Fixtures.json(Fixtures.resource("demo/tokenizer_cases.json"));
        assertTrue(cases.get("add_special_tokens").asBoolean());
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (JsonNode c : cases.get("cases")) {
            String text = c.get("text").asText();
            int[] want = Fixtures.ints(c.get("ids"));
            int[] got = tokenizer.encode(text, true).ids();
            if (!Arrays.equals(want, got)) failures.add(ReferenceCorpusTest.quote(text) + ": " + Arrays.toString(want) + " but got " + Arrays.toString(got));
            String back = tokenizer.decode(got, true);
            if (!back.equals(text)) failures.add(ReferenceCorpusTest.quote(text) + " decodes to " + ReferenceCorpusTest.quote(back));
            checked++;
        }
        assertEquals(2050, checked, "demo cases checked");
        assertTrue(failures.isEmpty(), failures.size() + " mismatches over " + checked + " demo texts:\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }

    @Test
    void demoTokenizerReadmeExample() {
        Tokenizer tokenizer = Tokenizer.load(Fixtures.resource("demo/tokenizer.json"));
        Encoding e = tokenizer.encode("add 23 58\n 81", true);
        assertArrayEquals(new int[] {1, 270, 261, 54, 264, 59, 13, 267, 52}, e.ids());
        assertEquals(List.of("<s>", "add", "Ġ2", "3", "Ġ5", "8", "Ċ", "Ġ8", "1"), e.tokens());
        assertEquals(OptionalInt.of(1), tokenizer.bosId());
        assertEquals(OptionalInt.of(2), tokenizer.eosId());
        assertEquals(OptionalInt.of(0), tokenizer.padId());
        assertEquals(292, tokenizer.vocabSize());
    }

    /** LM-Cocktail's decoder scoring ids: encode(input + " " + output) with special tokens, then eos appended. */
    @Test
    void cocktailDecoderExampleIds() {
        Tokenizer tokenizer = Tokenizer.load(Fixtures.resource("cocktail-decoder"));
        List<JsonNode> inputs = Fixtures.jsonLines(Fixtures.resource("cocktail-decoder/examples.jsonl"));
        JsonNode examples = Fixtures.json(Fixtures.resource("cocktail-decoder/expected.json")).get("examples");
        assertEquals(7, inputs.size());
        assertEquals(inputs.size(), examples.size());
        int eos = tokenizer.eosId().orElseThrow();
        assertEquals(2, eos);
        assertEquals(OptionalInt.of(1), tokenizer.bosId());
        assertEquals(OptionalInt.of(0), tokenizer.padId());
        assertEquals(379, tokenizer.vocabSize());
        for (int i = 0; i < inputs.size(); i++) {
            String input = inputs.get(i).get("input").asText();
            String output = inputs.get(i).get("output").asText();
            JsonNode want = examples.get(i);
            Encoding full = tokenizer.encode(input + " " + output, true);
            int[] ids = Arrays.copyOf(full.ids(), full.length() + 1);
            ids[full.length()] = eos;
            assertArrayEquals(Fixtures.ints(want.get("input_ids")), ids, "example " + i + " of " + inputs.size());
            List<String> tokens = new ArrayList<>(full.tokens());
            tokens.add(tokenizer.idToToken(eos));
            assertEquals(Fixtures.strings(want.get("tokens")), tokens, "example " + i + " tokens");
            assertEquals(want.get("prompt_len").asInt(), tokenizer.encode(input, true).length(), "example " + i + " prompt length");
        }
    }
}
