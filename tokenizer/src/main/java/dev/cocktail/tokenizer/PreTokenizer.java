package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Pattern;

/** tokenizer.json "pre_tokenizer": cuts normalized text into the words the model tokenizes one by one. */
sealed interface PreTokenizer {

    /** Receives words; atStart tells whether the word begins at the start of the original text. */
    interface WordSink {
        void accept(String word, boolean atStart);
    }

    void split(String text, boolean atStart, WordSink out);

    /** No pre-tokenizer: the text is one word. */
    PreTokenizer NONE = new Sequence(List.of());

    /** GPT-2's split: contractions, letters, digits, other symbols, each with at most one leading space. */
    Pattern GPT2_WORDS = Patterns.regex("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    static PreTokenizer fromJson(JsonNode node) {
        if (Json.isNull(node)) return NONE;
        String type = Json.type(node, "pre_tokenizer");
        return switch (type) {
            case "ByteLevel" -> new ByteLevel(Json.bool(node, "add_prefix_space", true), Json.bool(node, "use_regex", true));
            case "Metaspace" -> Metaspace.fromJson(node);
            case "Whitespace" -> new Whitespace();
            case "WhitespaceSplit" -> new WhitespaceSplit();
            case "BertPreTokenizer" -> new Bert();
            case "Split" -> new Split(Patterns.fromJson(node.get("pattern")),
                    Splits.Behavior.fromJson(Json.text(node, "behavior")), Json.bool(node, "invert", false));
            case "Digits" -> new Digits(Json.bool(node, "individual_digits", false));
            case "Punctuation" -> new Punctuation(node.has("behavior")
                    ? Splits.Behavior.fromJson(Json.text(node, "behavior")) : Splits.Behavior.ISOLATED);
            case "Sequence" -> new Sequence(Json.list(node, "pretokenizers", PreTokenizer::fromJson));
            default -> throw Json.unsupported("pre_tokenizer", type);
        };
    }

    /** Byte-level BPE: optionally GPT-2's split, then every word rewritten as its UTF-8 bytes. */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        public void split(String text, boolean atStart, WordSink out) {
            String s = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
            WordSink bytes = (word, first) -> out.accept(ByteAlphabet.encode(word), first);
            if (useRegex) Splits.cut(s, Splits.regex(GPT2_WORDS), Splits.Behavior.ISOLATED, false, atStart, bytes);
            else if (!s.isEmpty()) bytes.accept(s, atStart);
        }
    }

    /** SentencePiece style: spaces become the replacement character, which then starts each word. */
    record Metaspace(int replacement, Prepend prepend, boolean split) implements PreTokenizer {
        enum Prepend { ALWAYS, FIRST, NEVER }

        static Metaspace fromJson(JsonNode node) {
            Prepend prepend;
            String scheme = Json.optionalText(node, "prepend_scheme");
            if (scheme == null) {
                // files written before prepend_scheme existed say add_prefix_space instead
                prepend = Json.bool(node, "add_prefix_space", true) ? Prepend.ALWAYS : Prepend.NEVER;
            } else {
                prepend = switch (scheme) {
                    case "always" -> Prepend.ALWAYS;
                    case "first" -> Prepend.FIRST;
                    case "never" -> Prepend.NEVER;
                    default -> throw Json.invalid("unknown Metaspace prepend_scheme '" + scheme + "'");
                };
            }
            return new Metaspace(Json.character(node, "replacement"), prepend, Json.bool(node, "split", true));
        }

        public void split(String text, boolean atStart, WordSink out) {
            String rep = Character.toString(replacement);
            String s = text.replace(" ", rep);
            boolean prefix = switch (prepend) {
                case ALWAYS -> true;
                case FIRST -> atStart;
                case NEVER -> false;
            };
            if (prefix && !s.startsWith(rep)) s = rep + s;
            if (split) Splits.cut(s, Splits.eachChar(c -> c == replacement), Splits.Behavior.MERGED_WITH_NEXT, false, atStart, out);
            else if (!s.isEmpty()) out.accept(s, atStart);
        }
    }

    /** Runs of word characters and runs of other non-space characters. */
    record Whitespace() implements PreTokenizer {
        private static final Pattern WORDS = Patterns.regex("\\w+|[^\\w\\s]+");

        public void split(String text, boolean atStart, WordSink out) {
            Splits.cut(text, Splits.regex(WORDS), Splits.Behavior.REMOVED, true, atStart, out);
        }
    }

    record WhitespaceSplit() implements PreTokenizer {
        public void split(String text, boolean atStart, WordSink out) {
            Splits.cut(text, Splits.eachChar(Chars::isWhitespace), Splits.Behavior.REMOVED, false, atStart, out);
        }
    }

    /** Split on whitespace (dropped), then every punctuation character on its own. */
    record Bert() implements PreTokenizer {
        public void split(String text, boolean atStart, WordSink out) {
            Splits.cut(text, Splits.eachChar(Chars::isWhitespace), Splits.Behavior.REMOVED, false, atStart, (word, first) ->
                    Splits.cut(word, Splits.eachChar(Chars::isPunctuation), Splits.Behavior.ISOLATED, false, first, out));
        }
    }

    record Split(Pattern pattern, Splits.Behavior behavior, boolean invert) implements PreTokenizer {
        public void split(String text, boolean atStart, WordSink out) {
            Splits.cut(text, Splits.regex(pattern), behavior, invert, atStart, out);
        }
    }

    record Digits(boolean individual) implements PreTokenizer {
        public void split(String text, boolean atStart, WordSink out) {
            Splits.cut(text, Splits.eachChar(Chars::isNumeric),
                    individual ? Splits.Behavior.ISOLATED : Splits.Behavior.CONTIGUOUS, false, atStart, out);
        }
    }

    record Punctuation(Splits.Behavior behavior) implements PreTokenizer {
        public void split(String text, boolean atStart, WordSink out) {
            Splits.cut(text, Splits.eachChar(Chars::isPunctuation), behavior, false, atStart, out);
        }
    }

    /** Each pre-tokenizer splits the words of the one before. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        public void split(String text, boolean atStart, WordSink out) {
            splitFrom(0, text, atStart, out);
        }

        private void splitFrom(int step, String text, boolean atStart, WordSink out) {
            if (step == steps.size()) {
                if (!text.isEmpty()) out.accept(text, atStart);
                return;
            }
            steps.get(step).split(text, atStart, (word, first) -> splitFrom(step + 1, word, first, out));
        }
    }
}
