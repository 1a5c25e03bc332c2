package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Unigram tokenizers in the layouts real checkpoints use, and pairs of texts through every tokenizer
 * type, against the Rust library (DJL) on the corpus, the multilingual lines and seeded random texts:
 * ids, tokens and type ids of single texts and pairs, with and without special tokens, untruncated and
 * truncated LongestFirst, and decoding.
 */
class UnigramParityTest {
    private static final int RANDOM_TEXTS = 300;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"xlmr-unigram", "t5", "tiny-unigram", "xlmr-older", "xlmr-roberta-processing", "bert-base-uncased", "llama3", "mistral",
            "whitespace-bert", "wordpiece-mix"})
    void sameAsRust(String variant) throws Exception {
        ObjectNode json = build(variant);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json.toString());
        Tokenizer ours = Tokenizer.load(file);
        List<String> texts = new ArrayList<>(Fixtures.corpus());
        for (JsonNode line : Fixtures.jsonLines(Fixtures.resource("tokenizers/xlmr-unigram/expected-multilingual.jsonl"))) texts.add(line.get("text").asText());
        texts.addAll(List.of("x</s>y", "Paris is the   <mask> of", "<mask>", " <mask> ", "a  <s>  b ", "\u00a0\u3000", "ｶﾀｶﾅ ㎏ ﬁ ①", "e\u0302\u0301"));
        Random random = new Random(21L + variant.hashCode());
        for (int i = 0; i < RANDOM_TEXTS; i++) texts.add(RandomText.next(random));

        List<String> failures = new ArrayList<>();
        try (HuggingFaceTokenizer rust = rust(json, Map.of("truncation", "false", "padding", "false"));
             HuggingFaceTokenizer rustCut = rust(json, Map.of("truncation", "longest_first", "maxLength", "17", "padding", "false"))) {
            for (int i = 0; i < texts.size(); i++) {
                String text = texts.get(i);
                String other = texts.get((i * 7 + 3) % texts.size());
                for (boolean special : new boolean[] {true, false}) {
                    var want = rust.encode(text, special, false);
                    compare(failures, text, "single " + special, want.getIds(), want.getTokens(), want.getTypeIds(), ours.encode(text, special));
                    want = rust.encode(text, other, special, false);
                    compare(failures, text + " | " + other, "pair " + special, want.getIds(), want.getTokens(), want.getTypeIds(), ours.encodePair(text, other, special));
                }
                var want = rustCut.encode(text, other, true, false);
                compare(failures, text + " | " + other, "pair cut to 17", want.getIds(), want.getTokens(), want.getTypeIds(), ours.encodePair(text, other, true, 17));
                want = rustCut.encode(text, true, false);
                compare(failures, text, "cut to 17", want.getIds(), want.getTokens(), want.getTypeIds(), ours.encode(text, true, 17));
                for (boolean skip : new boolean[] {true, false}) {
                    int[] ids = ours.encode(text, skip).ids();
                    String wantText = rust.decode(Arrays.stream(ids).asLongStream().toArray(), skip);
                    String gotText = ours.decode(ids, skip);
                    if (!wantText.equals(gotText)) failures.add(ReferenceCorpusTest.quote(text) + ": Rust decodes to " + ReferenceCorpusTest.quote(wantText) + ", ours to " + ReferenceCorpusTest.quote(gotText) + " (skipping specials " + skip + ")");
                }
            }
        }
        assertTrue(failures.isEmpty(), variant + ": " + failures.size() + " mismatches over " + texts.size() + " texts:\n"
                + String.join("\n", failures.subList(0, Math.min(15, failures.size()))));
    }

    /** The file's own truncation, OnlyFirst and OnlySecond: the same cuts, and an error where Rust has one. */
    @ParameterizedTest
    @ValueSource(strings = {"OnlyFirst", "OnlySecond"})
    void fileTruncationStrategiesAsRust(String strategy) throws Exception {
        ObjectNode json = build("xlmr-unigram");
        json.set("truncation", node("{\"direction\":\"Right\",\"max_length\":24,\"strategy\":\"" + strategy + "\",\"stride\":0}"));
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json.toString());
        Tokenizer ours = Tokenizer.load(file);
        List<String> texts = Fixtures.corpus();
        List<String> failures = new ArrayList<>();
        int refused = 0;
        String option = strategy.equals("OnlyFirst") ? "only_first" : "only_second";
        try (HuggingFaceTokenizer rust = rust(json, Map.of("truncation", option, "maxLength", "24", "padding", "false"))) {
            for (int i = 0; i < texts.size(); i++) {
                String text = texts.get(i);
                String other = texts.get((i * 5 + 1) % texts.size());
                ai.djl.huggingface.tokenizers.Encoding want;
                try {
                    want = rust.encode(text, other, true, false);
                } catch (RuntimeException e) {
                    refused++;
                    try {
                        ours.encodePair(text, other, true);
                        failures.add(ReferenceCorpusTest.quote(text) + ": Rust refuses to truncate (" + e.getMessage() + "), ours does not");
                    } catch (TokenizerException expected) {
                        // both refuse
                    }
                    continue;
                }
                compare(failures, text + " | " + other, strategy, want.getIds(), want.getTokens(), want.getTypeIds(), ours.encodePair(text, other, true));
            }
        }
        assertTrue(refused > 0 && refused < texts.size() / 2, refused + " pairs refused: the cases should cover both outcomes");
        assertTrue(failures.isEmpty(), strategy + ": " + failures.size() + " mismatches:\n" + String.join("\n", failures.subList(0, Math.min(15, failures.size()))));
    }

    private static void compare(List<String> failures, String text, String what, long[] ids, String[] tokens, long[] types, Encoding got) {
        if (!Arrays.equals(ids, Arrays.stream(got.ids()).asLongStream().toArray())) {
            failures.add(ReferenceCorpusTest.quote(text) + " (" + what + "): Rust ids " + Arrays.toString(ids) + " ours " + Arrays.toString(got.ids()));
        } else if (!Arrays.asList(tokens).equals(got.tokens())) {
            failures.add(ReferenceCorpusTest.quote(text) + " (" + what + "): Rust tokens " + Arrays.toString(tokens) + " ours " + got.tokens());
        } else if (!Arrays.equals(types, Arrays.stream(got.typeIds()).asLongStream().toArray())) {
            failures.add(ReferenceCorpusTest.quote(text) + " (" + what + "): Rust type ids " + Arrays.toString(types) + " ours " + Arrays.toString(got.typeIds()));
        }
    }

    private static HuggingFaceTokenizer rust(ObjectNode json, Map<String, String> options) {
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.toString().getBytes(StandardCharsets.UTF_8)), options);
        } catch (Throwable e) {
            Assumptions.abort("the Rust tokenizers library (DJL) cannot be loaded here: " + e);
            throw new AssertionError(e);
        }
    }

    private static ObjectNode read(String name) {
        return (ObjectNode) Fixtures.json(Fixtures.dir(name).resolve("tokenizer.json"));
    }

    private static JsonNode node(String json) {
        try {
            return Fixtures.JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    /**
     * The reference tokenizers (tiny-unigram: a hand-built three-key charsmap and byte_fallback), and the
     * XLM-R Unigram one rebuilt in the layouts of older checkpoints.
     */
    static ObjectNode build(String variant) {
        return switch (variant) {
            case "xlmr-older" -> {
                // before Strip existed in converted files: Replace(" {2,}") alone, Metaspace with add_prefix_space
                ObjectNode t = read("xlmr-unigram");
                ObjectNode normalizer = (ObjectNode) t.get("normalizer");
                ((com.fasterxml.jackson.databind.node.ArrayNode) normalizer.get("normalizers")).remove(1);
                String metaspace = "{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"add_prefix_space\":true}";
                t.set("pre_tokenizer", node(metaspace));
                t.set("decoder", node(metaspace));
                yield t;
            }
            case "xlmr-roberta-processing" -> {
                ObjectNode t = read("xlmr-unigram");
                t.set("post_processor", node("{\"type\":\"RobertaProcessing\",\"sep\":[\"</s>\",2],\"cls\":[\"<s>\",0],\"trim_offsets\":true,\"add_prefix_space\":true}"));
                yield t;
            }
            // BertProcessing and RobertaProcessing on WordPiece, built by ComponentParityTest
            case "whitespace-bert", "wordpiece-mix" -> ComponentParityTest.build(variant);
            default -> read(variant);
        };
    }
}
