package dev.cocktail.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cocktail.tokenizer.Encoding;
import dev.cocktail.tokenizer.Tokenizer;
import dev.cocktail.tokenizer.TokenizerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any bytes as tokenizer.json, then any text through whatever loaded: our error with a message
 * naming the file, or ids that are in the vocabulary.
 */
class TokenizerFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void anyTokenizerJson(FuzzedDataProvider data) throws IOException {
        String text = data.consumeString(200);
        byte[] json = data.consumeRemainingAsBytes();
        Path dir = Files.createTempDirectory("fuzz-tokenizer");
        Path f = dir.resolve("tokenizer.json");
        try {
            Files.write(f, json);
            Tokenizer t;
            try {
                t = Tokenizer.load(f);
            } catch (TokenizerException e) {
                if (e.getMessage() == null || !e.getMessage().contains(f.toString())) throw new AssertionError("message must name the file", e);
                return;
            }
            try {
                Encoding enc = t.encode(text, true);
                for (int id : enc.ids()) {
                    if (id < 0) throw new AssertionError("negative id " + id);
                }
                t.decode(enc.ids(), false);
                int half = text.length() / 2;
                for (int id : t.encodePair(text.substring(0, half), text.substring(half), true, 24).ids()) {
                    if (id < 0) throw new AssertionError("negative id " + id + " in a pair");
                }
            } catch (TokenizerException e) {
                if (e.getMessage() == null) throw new AssertionError("error without a message", e);
            }
        } finally {
            Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        }
    }
}
