package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming read of the model's vocab and merges: both merge forms, comments, and bad entries named. */
class TokenizerJsonTest {
    @TempDir
    Path tmp;

    private Path write(String vocab, String merges) throws IOException {
        return Files.writeString(tmp.resolve("tokenizer.json"), HostileTokenizerTest.bpe("null", vocab, merges));
    }

    @Test
    void stringAndPairMergesMeanTheSame() throws IOException {
        String vocab = "\"a\":0,\"b\":1,\"c\":2,\"ab\":3,\"abc\":4,\"\\u00e9\":5,\"\\u00e9a\":6";
        int[] strings = Tokenizer.load(write(vocab, "\"#version: 0.2\",\"a b\",\"ab c\",\"\\u00e9 a\"")).encode("abcéab", false).ids();
        int[] pairs = Tokenizer.load(write(vocab, "[\"a\",\"b\"],[\"ab\",\"c\"],[\"\\u00e9\",\"a\"]")).encode("abcéab", false).ids();
        assertArrayEquals(new int[] {4, 5, 3}, strings, "a b merges before é a");
        assertArrayEquals(strings, pairs);
    }

    @Test
    void badEntriesAreNamed() throws IOException {
        String vocab = "\"a\":0,\"b\":1,\"ab\":2";
        assertMessage(write(vocab, "[\"a\",\"b\"],[\"a\"]"), "merge 2 is neither \"a b\" nor [\"a\", \"b\"]");
        assertMessage(write(vocab, "[\"a\",\"b\",\"c\"]"), "merge 1 is neither");
        assertMessage(write(vocab, "\"a b\",\"a b c\""), "merge 2 'a b c' is not two tokens separated by a space");
        assertMessage(write("\"a\":0,\"b\":-1", ""), "vocab entry 'b' has no valid id");
        assertMessage(write("\"a\":0,\"b\":1.5", ""), "vocab entry 'b' has no valid id");
        assertMessage(Files.writeString(tmp.resolve("tokenizer.json"), "[1, 2]"), "not a JSON object");
    }

    private static void assertMessage(Path file, String part) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(part), e.getMessage());
    }
}
