package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A tokenizer.json's vocabulary as the tokenizer sees it, and the file grown by added tokens, read back by ours and by Rust's. */
class VocabularyFileTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-base-uncased", "mistral", "t5", "xlmr-unigram"})
    void everyTokenHasTheTokenizersId(String name) {
        Tokenizer t = Fixtures.tokenizer(name);
        VocabularyFile v = VocabularyFile.read(Fixtures.dir(name).resolve("tokenizer.json"));
        assertEquals(t.vocabSize(), v.ids().size(), name);
        v.ids().forEach((token, id) -> assertEquals(id.intValue(), t.tokenToId(token), name + " '" + token + "'"));
        v.added().keySet().forEach(token -> assertTrue(v.isAdded(token)));
    }

    @Test
    void addedTokensAreReadBackByOursAndByRust(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.dir("mistral");
        VocabularyFile v = VocabularyFile.read(dir.resolve("tokenizer.json"));
        int next = v.ids().values().stream().mapToInt(Integer::intValue).max().orElseThrow() + 1;
        ObjectNode special = VocabularyFile.plainAddedToken(next, "<|im_start|>").put("special", true).put("normalized", false);
        VocabularyFile.writeWithAdded(dir.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"),
                List.of(special, VocabularyFile.plainAddedToken(next + 1, "zqxj")));
        Files.copy(dir.resolve("tokenizer_config.json"), tmp.resolve("tokenizer_config.json"));

        VocabularyFile grown = VocabularyFile.read(tmp.resolve("tokenizer.json"));
        assertEquals(v.ids().size() + 2, grown.ids().size());
        Tokenizer ours = Tokenizer.load(tmp);
        assertEquals(next, ours.tokenToId("<|im_start|>"));
        assertEquals(next + 1, ours.tokenToId("zqxj"));
        Tokenizer original = Fixtures.tokenizer("mistral");
        String plain = "The merged tokenizer encodes old text as before.";
        assertArrayEquals(original.encode(plain, true).ids(), ours.encode(plain, true).ids());

        HuggingFaceTokenizer rust;
        try (InputStream json = Files.newInputStream(tmp.resolve("tokenizer.json"))) {
            rust = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "false", "padding", "false"));
        } catch (Throwable e) {
            Assumptions.abort("the Rust tokenizers library (DJL) cannot be loaded here: " + e);
            return;
        }
        try (rust) {
            for (String text : List.of(plain, "<|im_start|>user say zqxj twice: zqxjzqxj", "no new tokens here")) {
                long[] want = rust.encode(text, true, false).getIds();
                int[] got = ours.encode(text, true).ids();
                assertArrayEquals(want, Arrays.stream(got).asLongStream().toArray(), text);
            }
            assertTrue(Arrays.stream(rust.encode("<|im_start|>zqxj", false, false).getIds()).boxed().toList()
                    .containsAll(List.of((long) next, (long) next + 1)));
        }
    }
}
