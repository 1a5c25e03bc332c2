package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ours against the Rust tokenizers library itself (DJL's JNI binding, whose jar carries the native
 * library) on the corpus and on thousands of seeded random texts. Skipped, not failed, where the native
 * library cannot be loaded.
 */
class RustParityTest {
    private static final int RANDOM_TEXTS = 2500;

    @ParameterizedTest
    @ValueSource(strings = {"bert-base-uncased", "llama3", "mistral"})
    void sameIdsAsRustOnCorpusAndRandomTexts(String name) throws Exception {
        Tokenizer ours = Fixtures.tokenizer(name);
        try (HuggingFaceTokenizer rust = rust(name)) {
            List<String> texts = new ArrayList<>(Fixtures.corpus());
            Random random = new Random(20261123L + name.hashCode());
            for (int i = 0; i < RANDOM_TEXTS; i++) texts.add(RandomText.next(random));

            List<String> failures = new ArrayList<>();
            for (String text : texts) {
                for (boolean special : new boolean[] {true, false}) {
                    long[] want = rust.encode(text, special, false).getIds();
                    int[] got = ours.encode(text, special).ids();
                    if (!Arrays.equals(want, Arrays.stream(got).asLongStream().toArray())) {
                        failures.add(ReferenceCorpusTest.quote(text) + " (special " + special + "): Rust " + Arrays.toString(want) + " ours " + Arrays.toString(got));
                    }
                }
                int[] ids = ours.encode(text, false).ids();
                String want = rust.decode(Arrays.stream(ids).asLongStream().toArray(), false);
                String got = ours.decode(ids, false);
                if (!want.equals(got)) failures.add(ReferenceCorpusTest.quote(text) + ": Rust decodes to " + ReferenceCorpusTest.quote(want) + ", ours to " + ReferenceCorpusTest.quote(got));
            }
            assertTrue(failures.isEmpty(), name + ": " + failures.size() + " mismatches over " + texts.size()
                    + " texts (" + Fixtures.corpus().size() + " corpus + " + RANDOM_TEXTS + " random):\n"
                    + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        }
    }

    private static HuggingFaceTokenizer rust(String name) {
        try (InputStream json = Files.newInputStream(Fixtures.dir(name).resolve("tokenizer.json"))) {
            return HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "false", "padding", "false"));
        } catch (Throwable e) {
            Assumptions.abort("the Rust tokenizers library (DJL) cannot be loaded here: " + e);
            throw new AssertionError(e);
        }
    }
}
