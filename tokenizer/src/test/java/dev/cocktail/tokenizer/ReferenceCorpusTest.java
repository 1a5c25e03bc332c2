package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every corpus text through the three real tokenizers, against what the Rust tokenizers library made of
 * it (expected-*.jsonl): ids with and without special tokens, token strings, and decoding.
 */
class ReferenceCorpusTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-base-uncased", "llama3", "mistral"})
    void matchesTheRustLibraryOnEveryCorpusText(String name) {
        Tokenizer tokenizer = Fixtures.tokenizer(name);
        List<JsonNode> expected = Fixtures.jsonLines(Fixtures.resource("tokenizers/expected-" + name + ".jsonl"));
        List<String> corpus = Fixtures.corpus();
        assertEquals(corpus.size(), expected.size(), "one expected line per corpus text");
        assertTrue(corpus.size() >= 400, "the corpus has its 411 texts");

        List<String> failures = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            String text = want.get("text").asText();
            assertEquals(corpus.get(i), text, "expected file follows the corpus");
            Encoding with = tokenizer.encode(text, true);
            Encoding without = tokenizer.encode(text, false);
            compare(failures, i, text, "ids", Fixtures.ints(want.get("ids")), with.ids());
            compare(failures, i, text, "ids_no_special", Fixtures.ints(want.get("ids_no_special")), without.ids());
            if (!Fixtures.strings(want.get("tokens")).equals(with.tokens())) {
                failures.add("text " + i + " " + quote(text) + ": tokens " + Fixtures.strings(want.get("tokens")) + " but got " + with.tokens());
            }
            String decoded = tokenizer.decode(Fixtures.ints(want.get("ids_no_special")), false);
            if (!want.get("decoded").asText().equals(decoded)) {
                failures.add("text " + i + " " + quote(text) + ": decoded " + quote(want.get("decoded").asText()) + " but got " + quote(decoded));
            }
        }
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + " mismatches over " + expected.size()
                + " texts checked (ids, ids_no_special, tokens, decoded):\n" + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }

    private static void compare(List<String> failures, int i, String text, String what, int[] want, int[] got) {
        if (!Arrays.equals(want, got)) {
            failures.add("text " + i + " " + quote(text) + ": " + what + " " + Arrays.toString(want) + " but got " + Arrays.toString(got));
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        String cut = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        cut.codePoints().forEach(c -> {
            if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04X", c));
            else b.appendCodePoint(c);
        });
        return b.append('"').toString();
    }
}
