package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer.json files built to hang or exhaust a naive implementation: each fails fast or works. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileTokenizerTest {
    @TempDir
    Path tmp;

    Path write(String json) throws IOException {
        return Files.writeString(tmp.resolve("tokenizer.json"), json);
    }

    static String bpe(String preTokenizer, String vocab, String merges) {
        return "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,\"pre_tokenizer\":" + preTokenizer
                + ",\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,"
                + "\"continuing_subword_prefix\":null,\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,"
                + "\"vocab\":{" + vocab + "},\"merges\":[" + merges + "]}}";
    }

    @Test
    void catastrophicallyBacktrackingRegexIsRefusedNotRun() throws IOException {
        // 17 s on 30 characters with java.util.regex of JDK 25 if left to run; exponential beyond
        String split = "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(.*a){12}b\"},\"behavior\":\"Isolated\",\"invert\":false}";
        Tokenizer t = Tokenizer.load(write(bpe(split, "\"a\":0,\"b\":1", "")));
        assertEquals(3, t.encode("aab", false).ids().length, "an ordinary text still works");
        TokenizerException e = assertThrows(TokenizerException.class, () -> t.encode("a".repeat(40), false));
        assertTrue(e.getMessage().contains("catastrophic backtracking"), e.getMessage());
    }

    /** A run of 2^20 identical characters in one word: about a million merges (up to tokens of 2^15), in n log n. */
    @Test
    void aMillionMergesInOneWord() throws IOException {
        StringBuilder vocab = new StringBuilder(), merges = new StringBuilder();
        String piece = "a";
        vocab.append("\"a\":0");
        for (int level = 1; level <= 15; level++) {
            merges.append(level > 1 ? "," : "").append("\"").append(piece).append(' ').append(piece).append('"');
            piece = piece + piece;
            vocab.append(",\"").append(piece).append("\":").append(level);
        }
        Tokenizer t = Tokenizer.load(write(bpe("null", vocab.toString(), merges.toString())));
        String text = "a".repeat(1 << 20);
        int[] ids = t.encode(text, false).ids();
        assertEquals(32, ids.length, "2^20 characters = 32 tokens of 2^15");
        for (int id : ids) assertEquals(15, id);
        int[] uneven = t.encode("a".repeat((1 << 15) - 1), false).ids();
        assertEquals(15, uneven.length, "2^15 - 1 = the sum of 2^0..2^14: one token per level");
        assertEquals((1 << 15) - 1, java.util.Arrays.stream(uneven).mapToObj(t::idToToken).mapToInt(String::length).sum());
    }

    @Test
    void deeplyNestedJsonIsAnErrorNotAStackOverflow() throws IOException {
        Path f = write("{\"model\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void hugeVocabIdsAreRefusedNotAllocated() throws IOException {
        Path f = write(bpe("null", "\"a\":0,\"b\":2000000000,\"ab\":1", "\"a b\""));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("up to id 2000000000"), e.getMessage());
    }

    /** java.util.regex recurses once per repetition of (a|b)+: a 200,000-letter word overflowed the stack (issue 20). */
    @Test
    void aRecursingRegexOnALongWordIsRefusedNotAStackOverflow() throws IOException {
        String split = "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(a|b)+\"},\"behavior\":\"Isolated\",\"invert\":false}";
        Tokenizer t = Tokenizer.load(write(bpe(split, "\"a\":0,\"b\":1", "")));
        assertEquals(4, t.encode("abab", false).ids().length, "an ordinary text still works");
        TokenizerException e = assertThrows(TokenizerException.class, () -> t.encode("ab".repeat(100_000), false));
        assertTrue(e.getMessage().contains("repeats a group too many times on a text of 200000 characters"), e.getMessage());
    }

    /** Thirty Replaces, each doubling every character: 2^30 times the text, out of memory (issue 20). */
    @Test
    void aNormalizerThatMultipliesTextIsRefused() throws IOException {
        StringBuilder chain = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            chain.append(i > 0 ? "," : "").append("{\"type\":\"Replace\",\"pattern\":{\"String\":\"a\"},\"content\":\"aa\"}");
        }
        String json = bpe("null", "\"a\":0", "").replace("\"normalizer\":null",
                "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[" + chain + "]}");
        Tokenizer t = Tokenizer.load(write(json));
        TokenizerException e = assertThrows(TokenizerException.class, () -> t.encode("a".repeat(1000), false));
        assertTrue(e.getMessage().contains("normalizer sequence makes a text of 1000 characters longer than 36096"), e.getMessage());
        String one = bpe("null", "\"a\":0", "").replace("\"normalizer\":null",
                "\"normalizer\":{\"type\":\"Replace\",\"pattern\":{\"String\":\"a\"},\"content\":\"" + "a".repeat(10_000) + "\"}");
        Tokenizer big = Tokenizer.load(write(one));
        e = assertThrows(TokenizerException.class, () -> big.encode("a".repeat(100_000), false));
        assertTrue(e.getMessage().contains("Replace of"), e.getMessage());
    }
}
