package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The features of the tokenizers Qwen3 and Gemma 3 ship, assembled as their tokenizer.json files have
 * them on the real vocabularies the tests hold, against the Rust library (DJL): merges stored as
 * [a, b] pairs; non-special added tokens matched on the raw text (Qwen3's think and tool tags,
 * Gemma 3's whitespace runs and HTML tags); NFC; Qwen's pre-tokenizer regex that splits digits one by
 * one, then ByteLevel without its own regex; Gemma's Replace(" " -> "▁") without Prepend, Split with
 * MergedWithPrevious, byte_fallback. Random texts have the added tokens spliced in.
 */
class DecoderTokenizerParityTest {

    /** Qwen2/Qwen3's pre-tokenizer regex: \p{N} alone, so every digit is its own word. */
    static final String QWEN_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static final List<String> QWEN_ADDED = List.of("<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>", "</tool_call>");
    static final List<String> GEMMA_ADDED = List.of("<start_of_turn>", "<end_of_turn>", "\n\n", "\n\n\n", "  ", "   ", "\t\t",
            "<table>", "</table>", "<tr>", "<td>", "</td>", "<h1>", "</h1>");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "gemma3", "gemma3-split-on-metaspace"})
    void sameIdsAsRust(String variant) throws Exception {
        List<String> added = variant.startsWith("qwen") ? QWEN_ADDED : GEMMA_ADDED;
        List<String> extra = List.of("<think>\nok</think>12345 tokens", "x<tool_call>{\"a\": 1}</tool_call>y",
                "<table><tr><td>1</td></tr></table>", "a  b   c\n\n\nd\t\te", "<start_of_turn>user\nHi<end_of_turn>\n",
                "Cafe\u0301 vs Caf\u00e9, \u212b and \u00c5", "9876543210 3.14159 ٣٤٥ ①②", "  leading and trailing  ");
        ComponentParityTest.assertSameAsRust(variant, build(variant), dir, extra, r -> spliced(r, added));
    }

    /** A random text with some of the added tokens put between its pieces. */
    private static String spliced(Random r, List<String> added) {
        StringBuilder b = new StringBuilder();
        for (int k = r.nextInt(4); k >= 0; k--) {
            b.append(RandomText.next(r));
            if (r.nextBoolean()) b.append(added.get(r.nextInt(added.size())));
        }
        return b.toString();
    }

    static ObjectNode build(String variant) {
        return switch (variant) {
            case "qwen3" -> {
                ObjectNode t = ComponentParityTest.read("llama3");
                t.set("normalizer", ComponentParityTest.node("{\"type\":\"NFC\"}"));
                ObjectNode split = Fixtures.JSON.createObjectNode().put("type", "Split").put("behavior", "Isolated").put("invert", false);
                split.putObject("pattern").put("Regex", QWEN_REGEX);
                ObjectNode seq = Fixtures.JSON.createObjectNode().put("type", "Sequence");
                seq.putArray("pretokenizers").add(split).add(ComponentParityTest.node(
                        "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false}"));
                t.set("pre_tokenizer", seq);
                t.set("post_processor", ComponentParityTest.node("{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false}"));
                pairMerges(t);
                ((ObjectNode) t.get("model")).put("ignore_merges", false);
                addAll(t, 128256, QWEN_ADDED, List.of("<|im_start|>", "<|im_end|>"));
                yield t;
            }
            case "gemma3", "gemma3-split-on-metaspace" -> {
                ObjectNode t = ComponentParityTest.read("mistral");
                t.set("normalizer", ComponentParityTest.node("{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"▁\"}"));
                // Gemma 3's own file splits on " ", which the normalizer has already replaced: the text stays one word
                String on = variant.equals("gemma3") ? " " : "▁";
                t.set("pre_tokenizer", ComponentParityTest.node("{\"type\":\"Split\",\"pattern\":{\"String\":\"" + on
                        + "\"},\"behavior\":\"MergedWithPrevious\",\"invert\":false}"));
                t.set("decoder", ComponentParityTest.node("{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"▁\"},"
                        + "\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"}]}"));
                pairMerges(t);
                addAll(t, 32000, GEMMA_ADDED, List.of("<start_of_turn>", "<end_of_turn>"));
                yield t;
            }
            default -> throw new IllegalArgumentException(variant);
        };
    }

    /** The merges rewritten from "a b" strings to [a, b] pairs, as tokenizers 0.20+ writes them. */
    private static void pairMerges(ObjectNode t) {
        ArrayNode pairs = Fixtures.JSON.createArrayNode();
        for (JsonNode m : t.get("model").get("merges")) {
            String[] parts = m.asText().split(" ");
            pairs.add(Fixtures.JSON.createArrayNode().add(parts[0]).add(parts[1]));
        }
        ((ObjectNode) t.get("model")).set("merges", pairs);
    }

    /** Added tokens from id `first` on, matched on the raw text (normalized false); special only those named. */
    private static void addAll(ObjectNode t, int first, List<String> tokens, List<String> special) {
        for (int i = 0; i < tokens.size(); i++) {
            ComponentParityTest.addToken(t, first + i, tokens.get(i), false, false, false, false, special.contains(tokens.get(i)));
        }
    }
}
