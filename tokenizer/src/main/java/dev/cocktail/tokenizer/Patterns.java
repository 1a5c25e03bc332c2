package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The patterns of Split, Replace and the added-token matcher: tokenizer.json gives either
 * {"String": literal} or {"Regex": Oniguruma regex}, which the Rust crate runs with Oniguruma.
 * java.util.regex reads the same syntax for everything these files use (\p{L}, \p{N}, (?i:..),
 * (?!..), possessive quantifiers) once \s, \w and case folding are made Unicode-aware as they are in
 * Oniguruma.
 */
final class Patterns {
    private Patterns() {}

    /** Receives the [start, end) char ranges of matches, in order. */
    interface MatchSink {
        void match(int start, int end);
    }

    static Pattern fromJson(JsonNode node) {
        if (Json.isNull(node) || !node.isObject()) throw Json.invalid("a pattern must be {\"String\": ..} or {\"Regex\": ..}");
        if (node.has("String")) return Pattern.compile(Pattern.quote(Json.text(node, "String")));
        if (node.has("Regex")) return regex(Json.text(node, "Regex"));
        throw Json.invalid("a pattern must be {\"String\": ..} or {\"Regex\": ..}, not " + Json.brief(node));
    }

    static Pattern regex(String regex) {
        try {
            return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw Json.invalid("regex '" + regex + "' is not supported: " + e.getDescription());
        }
    }

    /**
     * Reports the matches as Oniguruma's find_iter does: an empty match right where the previous match
     * ended is skipped, and the search then resumes one code point (never one UTF-16 char) further on.
     */
    static void forEachMatch(Pattern pattern, String s, MatchSink sink) {
        Matcher m = pattern.matcher(new BoundedText(s, pattern));
        int from = 0;
        int lastEnd = -1;
        try {
            while (from <= s.length() && m.find(from)) {
                int start = m.start();
                int end = m.end();
                if (start == end && start == lastEnd) {
                    if (start == s.length()) break;
                    from = start + Character.charCount(s.codePointAt(start));
                    continue;
                }
                sink.match(start, end);
                lastEnd = end;
                from = end;
            }
        } catch (StackOverflowError e) {
            // java.util.regex recurses once per repetition of a group such as (a|b)+, so a long
            // enough run of it exhausts the stack; the frames are gone by here, so we can say so
            throw new TokenizerException("the tokenizer's regex '" + pattern.pattern() + "' repeats a group too many times on a text of "
                    + s.length() + " characters (it recurses once per repetition); refusing it");
        }
    }

    /** A rewrite (normalizer, replace) may make a text at most this many times longer, plus SLACK characters. */
    static final int GROWTH = 32;
    static final int SLACK = 4096;

    /** Refuses a rewrite past GROWTH times its input: a chain of Replaces doubling the text ran out of memory. */
    static void checkGrowth(String what, int from, long to) {
        long limit = GROWTH * (long) from + SLACK;
        if (to > limit) {
            throw new TokenizerException("the tokenizer's " + what + " makes a text of " + from + " characters longer than " + limit
                    + " characters; refusing it");
        }
    }

    /** Replaces every match with the literal content (no group references, as in the Rust crate). */
    static String replaceAll(Pattern pattern, String s, String content) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        int[] copied = {0};
        forEachMatch(pattern, s, (start, end) -> {
            out.append(s, copied[0], start).append(content);
            copied[0] = end;
            checkGrowth("Replace of '" + pattern.pattern() + "'", s.length(), out.length());
        });
        return out.append(s, copied[0], s.length()).toString();
    }

    /**
     * The text as the regex engine sees it, counting its reads: java.util.regex backtracks, so a
     * hostile pattern such as (a+)+$ could run for years on a short text. Patterns of real tokenizers
     * read each character a few times; past READS_PER_CHAR reads per character the pattern is refused.
     */
    private static final class BoundedText implements CharSequence {
        static final long READS_PER_CHAR = 1000;
        static final long READS_MIN = 1_000_000;

        private final String text;
        private final Pattern pattern;
        private final long budget;
        private long reads;

        BoundedText(String text, Pattern pattern) {
            this.text = text;
            this.pattern = pattern;
            this.budget = Math.max(READS_MIN, READS_PER_CHAR * text.length());
        }

        @Override
        public char charAt(int index) {
            if (++reads > budget) {
                throw new TokenizerException("the tokenizer's regex '" + pattern.pattern() + "' needs more than " + budget
                        + " steps on a text of " + text.length() + " characters (catastrophic backtracking); refusing it");
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
