package dev.cocktail.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
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
 * The components the three real tokenizers do not use (Metaspace, Whitespace, Digits, Punctuation,
 * Split behaviours, NFKC/NFKD/NFD, Lowercase, Strip, StripAccents, RobertaProcessing, added tokens with
 * lstrip/rstrip/single_word/normalized, merges as pairs, ...), assembled into tokenizers built on the
 * real vocabularies, and compared with the Rust library (DJL) on the corpus and random texts.
 */
class ComponentParityTest {
    private static final int RANDOM_TEXTS = 500;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"wordpiece-mix", "metaspace-first", "split-behaviours", "whitespace-bert", "bytelevel-prefix", "pair-merges"})
    void sameIdsAsRust(String variant) throws Exception {
        assertSameAsRust(variant, build(variant), dir, List.of(" [MASK]  is [MASK]", "singing ing ing_ xing",
                "Hello World hello world HELLO WORLD", "a<s>b </s> <s>"), RandomText::next);
    }

    /**
     * Ids (with special tokens) and their decoding, ours against the Rust library's for the tokenizer.json
     * `json`, on the corpus, the extra texts and RANDOM_TEXTS texts drawn with a seed from the name.
     */
    static void assertSameAsRust(String name, ObjectNode json, Path dir, List<String> extra,
                                 java.util.function.Function<Random, String> randomText) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json.toString());
        Tokenizer ours = Tokenizer.load(file);
        HuggingFaceTokenizer rust;
        try {
            rust = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    Map.of("truncation", "false", "padding", "false"));
        } catch (Throwable e) {
            Assumptions.abort("the Rust tokenizers library (DJL) cannot be loaded here: " + e);
            return;
        }
        try (rust) {
            List<String> texts = new ArrayList<>(Fixtures.corpus());
            texts.addAll(extra);
            Random random = new Random(7L + name.hashCode());
            for (int i = 0; i < RANDOM_TEXTS; i++) texts.add(randomText.apply(random));
            List<String> failures = new ArrayList<>();
            for (String text : texts) {
                long[] want = rust.encode(text, true, false).getIds();
                int[] got = ours.encode(text, true).ids();
                if (!Arrays.equals(want, Arrays.stream(got).asLongStream().toArray())) {
                    failures.add(ReferenceCorpusTest.quote(text) + ": Rust " + Arrays.toString(want) + " ours " + Arrays.toString(got));
                }
                String wantText = rust.decode(want, false);
                String gotText = ours.decode(got, false);
                if (!wantText.equals(gotText)) failures.add(ReferenceCorpusTest.quote(text) + ": Rust decodes to " + ReferenceCorpusTest.quote(wantText) + ", ours to " + ReferenceCorpusTest.quote(gotText));
            }
            assertTrue(failures.isEmpty(), name + ": " + failures.size() + " mismatches over " + texts.size() + " texts:\n"
                    + String.join("\n", failures.subList(0, Math.min(15, failures.size()))));
        }
    }

    static ObjectNode read(String name) {
        return (ObjectNode) Fixtures.json(Fixtures.dir(name).resolve("tokenizer.json"));
    }

    static JsonNode node(String json) {
        try {
            return Fixtures.JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    static void addToken(ObjectNode t, int id, String content, boolean single, boolean lstrip, boolean rstrip, boolean normalized, boolean special) {
        ((ArrayNode) t.get("added_tokens")).add(node(String.format(
                "{\"id\":%d,\"content\":%s,\"single_word\":%b,\"lstrip\":%b,\"rstrip\":%b,\"normalized\":%b,\"special\":%b}",
                id, Fixtures.JSON.valueToTree(content).toString(), single, lstrip, rstrip, normalized, special)));
    }

    static ObjectNode build(String variant) {
        return switch (variant) {
            case "wordpiece-mix" -> {
                ObjectNode t = read("bert-base-uncased");
                t.set("normalizer", node("{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKD\"},{\"type\":\"StripAccents\"},{\"type\":\"Lowercase\"},"
                        + "{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true},{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"\\\\d{3,}\"},\"content\":\"#\"}]}"));
                t.set("pre_tokenizer", node("{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"WhitespaceSplit\"},{\"type\":\"Digits\",\"individual_digits\":true},"
                        + "{\"type\":\"Punctuation\",\"behavior\":\"MergedWithPrevious\"}]}"));
                t.set("post_processor", node("{\"type\":\"RobertaProcessing\",\"sep\":[\"[SEP]\",102],\"cls\":[\"[CLS]\",101],\"trim_offsets\":true,\"add_prefix_space\":false}"));
                addToken(t, 103, "[MASK]", false, true, true, false, true);
                addToken(t, 30522, "hello world", false, false, false, true, false);
                addToken(t, 30523, "ing", true, false, false, true, false);
                yield t;
            }
            case "metaspace-first" -> {
                ObjectNode t = read("mistral");
                t.set("normalizer", node("{\"type\":\"NFKC\"}"));
                t.set("pre_tokenizer", node("{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"prepend_scheme\":\"first\",\"split\":true}"));
                t.set("decoder", node("{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"prepend_scheme\":\"first\",\"split\":true},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"}]}"));
                addToken(t, 32000, "World", true, false, true, false, false);
                yield t;
            }
            case "split-behaviours" -> {
                ObjectNode t = read("mistral");
                t.set("normalizer", node("{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFD\"},{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"▁\"},{\"type\":\"Prepend\",\"prepend\":\"▁\"}]}"));
                t.set("pre_tokenizer", node("{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"String\":\"▁\"},\"behavior\":\"MergedWithNext\",\"invert\":false},"
                        + "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\p{N}+\"},\"behavior\":\"Contiguous\",\"invert\":false},"
                        + "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"[.,!?]\"},\"behavior\":\"Removed\",\"invert\":false},"
                        + "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\p{Lu}\\\\p{Ll}*\"},\"behavior\":\"Isolated\",\"invert\":true}]}"));
                t.set("post_processor", node("{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                        + "{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}}],\"pair\":[],\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[1],\"tokens\":[\"<s>\"]},"
                        + "\"</s>\":{\"id\":\"</s>\",\"ids\":[2],\"tokens\":[\"</s>\"]}}}"));
                ((ObjectNode) t.get("model")).put("fuse_unk", false);
                yield t;
            }
            case "whitespace-bert" -> {
                ObjectNode t = read("bert-base-uncased");
                t.set("normalizer", node("{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":false,\"strip_accents\":true,\"lowercase\":false}"));
                t.set("pre_tokenizer", node("{\"type\":\"Whitespace\"}"));
                t.set("post_processor", node("{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",102],\"cls\":[\"[CLS]\",101]}"));
                t.set("decoder", node("{\"type\":\"WordPiece\",\"prefix\":\"##\",\"cleanup\":false}"));
                ((ObjectNode) t.get("model")).put("max_input_chars_per_word", 12);
                yield t;
            }
            case "bytelevel-prefix" -> {
                ObjectNode t = (ObjectNode) Fixtures.json(Fixtures.resource("cocktail-decoder/tokenizer.json"));
                t.set("pre_tokenizer", node("{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}"));
                t.set("normalizer", node("{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"Lowercase\"}]}"));
                addToken(t, 379, "question", true, true, false, true, false);
                addToken(t, 380, "<|sep|>", false, false, true, false, true);
                yield t;
            }
            case "pair-merges" -> {
                ObjectNode t = read("llama3");
                ArrayNode pairs = Fixtures.JSON.createArrayNode();
                for (JsonNode m : t.get("model").get("merges")) {
                    String[] parts = m.asText().split(" ");
                    pairs.add(Fixtures.JSON.createArrayNode().add(parts[0]).add(parts[1]));
                }
                ((ObjectNode) t.get("model")).set("merges", pairs);
                ((ObjectNode) t.get("model")).put("ignore_merges", false);
                yield t;
            }
            default -> throw new IllegalArgumentException(variant);
        };
    }
}
