package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Errors, truncation, padding, batches, vocabulary accessors, and inputs large enough to expose quadratic work. */
class TokenizerApiTest {
    @TempDir
    Path dir;

    private Path write(ObjectNode json) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json.toString());
        return file;
    }

    @ParameterizedTest
    @CsvSource({
            "pre_tokenizer, '{\"type\":\"UnicodeScripts\"}', unsupported pre_tokenizer type 'UnicodeScripts'",
            "normalizer, '{\"type\":\"ByteLevel\"}', unsupported normalizer type 'ByteLevel'",
            "model, '{\"type\":\"WordLevel\",\"vocab\":{}}', unsupported model type 'WordLevel'",
            "post_processor, '{\"type\":\"Chatty\"}', unsupported post_processor type 'Chatty'",
            "decoder, '{\"type\":\"CTC\"}', unsupported decoder type 'CTC'",
    })
    void unsupportedComponentNamesItAndTheFile(String field, String component, String problem) throws Exception {
        ObjectNode json = (ObjectNode) Fixtures.json(Fixtures.resource("demo/tokenizer.json"));
        json.set(field, Fixtures.JSON.readTree(component));
        Path file = write(json);
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(file));
        assertEquals("tokenizer.json at " + file.toAbsolutePath() + ": " + problem, e.getMessage());
    }

    @Test
    void bpeDropoutIsRefused() throws Exception {
        ObjectNode json = (ObjectNode) Fixtures.json(Fixtures.resource("demo/tokenizer.json"));
        ((ObjectNode) json.get("model")).put("dropout", 0.1);
        Path file = write(json);
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith("tokenizer.json at " + file.toAbsolutePath() + ": BPE dropout 0.1 is not supported"), e.getMessage());
    }

    @Test
    void missingAndBrokenFilesAreNamed() throws Exception {
        TokenizerException missing = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertEquals("tokenizer.json at " + dir.resolve("tokenizer.json").toAbsolutePath() + ": no such file", missing.getMessage());
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": [1, 2,");
        TokenizerException broken = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(broken.getMessage().startsWith("tokenizer.json at " + dir.resolve("tokenizer.json").toAbsolutePath() + ": invalid JSON"), broken.getMessage());
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}");
        TokenizerException merge = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(merge.getMessage().endsWith(": merge token 'b' is not in the vocabulary"), merge.getMessage());
    }

    @Test
    void truncationLeavesRoomForSpecialTokensAndPaddingMasks() {
        Tokenizer bert = Fixtures.tokenizer("bert-base-uncased");
        Encoding full = bert.encode("the quick brown fox jumps over the lazy dog", true);
        assertEquals(11, full.length());
        Encoding cut = bert.encode("the quick brown fox jumps over the lazy dog", true, 5);
        assertArrayEquals(new int[] {101, full.ids()[1], full.ids()[2], full.ids()[3], 102}, cut.ids());
        assertEquals(List.of("[CLS]", "the", "quick", "brown", "[SEP]"), cut.tokens());
        assertEquals(3, bert.encode("the quick brown fox", false, 3).length());
        assertThrows(TokenizerException.class, () -> bert.encode("the", true, 1));

        List<Encoding> batch = bert.encodeBatch(List.of("a b c", "", "hello"), true);
        assertEquals(List.of(5, 2, 3), batch.stream().map(Encoding::length).toList());
        Batch padded = Batch.pad(batch, bert.padId().orElseThrow());
        assertArrayEquals(new int[] {101, 102, 0, 0, 0}, padded.ids()[1]);
        assertArrayEquals(new int[] {1, 1, 0, 0, 0}, padded.attentionMask()[1]);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1}, padded.attentionMask()[0]);
        assertArrayEquals(batch.get(2).ids(), Arrays.copyOf(padded.ids()[2], 3));
    }

    @Test
    void vocabularyAndSpecialIds() {
        Tokenizer llama = Fixtures.tokenizer("llama3");
        assertEquals(128256, llama.vocabSize());
        assertEquals(OptionalInt.of(128000), llama.bosId());
        assertEquals(OptionalInt.of(128001), llama.eosId());
        assertEquals(OptionalInt.empty(), llama.padId());
        assertEquals(128009, llama.tokenToId("<|eot_id|>"));
        assertEquals("<|eot_id|>", llama.idToToken(128009));
        assertEquals(-1, llama.tokenToId("no such token"));
        assertEquals(null, llama.idToToken(999_999));
        assertEquals("Hello world", llama.decode(llama.encode("Hello world", true).ids(), true));

        Tokenizer mistral = Fixtures.tokenizer("mistral");
        assertEquals(OptionalInt.of(1), mistral.bosId());
        assertEquals(OptionalInt.of(2), mistral.eosId());
        assertEquals(32000, mistral.vocabSize());

        Tokenizer bert = Fixtures.tokenizer("bert-base-uncased");
        assertEquals(OptionalInt.of(101), bert.bosId());
        assertEquals(OptionalInt.of(102), bert.eosId());
        assertEquals(OptionalInt.of(0), bert.padId());
    }

    /** A tokenizer.json without post-processor takes add_bos_token / add_eos_token from tokenizer_config.json. */
    @Test
    void configAddsBosAndEosWhenTheFileHasNoPostProcessor() throws Exception {
        ObjectNode json = (ObjectNode) Fixtures.json(Fixtures.dir("mistral").resolve("tokenizer.json"));
        json.putNull("post_processor");
        write(json);
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"add_bos_token\": true, \"add_eos_token\": true, \"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\"}");
        Tokenizer t = Tokenizer.load(dir);
        Encoding e = t.encode("Hi", true);
        assertEquals(1, e.ids()[0]);
        assertEquals(2, e.ids()[e.length() - 1]);
        assertEquals(List.of("<s>", "▁Hi", "</s>"), e.tokens());
        assertArrayEquals(Arrays.copyOfRange(e.ids(), 1, 2), t.encode("Hi", false).ids());
    }

    /** Generous bounds: these finish in well under a second; a quadratic merge loop would take minutes. */
    @Test
    void longInputsAreNotQuadratic() {
        Tokenizer mistral = Fixtures.tokenizer("mistral");
        Tokenizer llama = Fixtures.tokenizer("llama3");
        StringBuilder text = new StringBuilder();
        List<String> corpus = Fixtures.corpus();
        for (int i = 0; text.length() < 200_000; i++) text.append(corpus.get(i % corpus.size())).append(' ');
        String word = "abcdefghijklmnopqrstuvwxyz".repeat(4000);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertTrue(mistral.encode(text.toString(), true).length() > 40_000);
            Encoding e = llama.encode(word, false);
            assertEquals(word, llama.decode(e.ids(), false));
            assertTrue(e.length() >= 4000, "the alphabet is at most one token: " + e.length());
        });
    }
}
