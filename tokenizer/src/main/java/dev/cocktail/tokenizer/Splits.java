package dev.cocktail.tokenizer;

import java.util.function.IntPredicate;
import java.util.regex.Pattern;

/**
 * How pre-tokenizers cut a string: something finds matches, the string falls into matches and the gaps
 * between them, and a behaviour decides what becomes of the matches. Empty pieces are dropped.
 */
final class Splits {
    private Splits() {}

    /** The Rust crate's SplitDelimiterBehavior. */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        static Behavior fromJson(String name) {
            return switch (name) {
                case "Removed" -> REMOVED;
                case "Isolated" -> ISOLATED;
                case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
                case "MergedWithNext" -> MERGED_WITH_NEXT;
                case "Contiguous" -> CONTIGUOUS;
                default -> throw Json.invalid("unknown split behavior '" + name + "'");
            };
        }
    }

    /** Finds the matches in a string. */
    interface Finder {
        void find(String s, Patterns.MatchSink sink);
    }

    /** Every character that passes the test is a match of its own. */
    static Finder eachChar(IntPredicate test) {
        return (s, sink) -> {
            for (int i = 0; i < s.length(); ) {
                int c = s.codePointAt(i);
                int n = Character.charCount(c);
                if (test.test(c)) sink.match(i, i + n);
                i += n;
            }
        };
    }

    static Finder regex(Pattern pattern) {
        return (s, sink) -> Patterns.forEachMatch(pattern, s, sink);
    }

    /** Cuts s and hands each non-empty piece on; a piece is at the start when it begins where s does. */
    static void cut(String s, Finder finder, Behavior behavior, boolean invert, boolean atStart, PreTokenizer.WordSink out) {
        if (s.isEmpty()) return;
        // Pieces as (start, end, isMatch) triples covering s.
        IntList pieces = new IntList(32);
        int[] last = {0};
        finder.find(s, (start, end) -> {
            if (start > last[0]) addPiece(pieces, last[0], start, invert);
            addPiece(pieces, start, end, !invert);
            last[0] = end;
        });
        if (last[0] < s.length()) addPiece(pieces, last[0], s.length(), invert);

        IntList kept = switch (behavior) {
            case ISOLATED, REMOVED -> pieces;
            case CONTIGUOUS -> mergeRuns(pieces);
            case MERGED_WITH_PREVIOUS -> mergeWithPrevious(pieces);
            case MERGED_WITH_NEXT -> mergeWithNext(pieces);
        };
        for (int i = 0; i < kept.size(); i += 3) {
            int start = kept.get(i);
            int end = kept.get(i + 1);
            if (start == end || (behavior == Behavior.REMOVED && kept.get(i + 2) == 1)) continue;
            out.accept(s.substring(start, end), atStart && start == 0);
        }
    }

    private static void addPiece(IntList pieces, int start, int end, boolean match) {
        pieces.add(start);
        pieces.add(end);
        pieces.add(match ? 1 : 0);
    }

    /** Neighbouring pieces of the same kind (match or not) become one. */
    private static IntList mergeRuns(IntList pieces) {
        IntList out = new IntList(pieces.size());
        int previousMatch = 0;
        for (int i = 0; i < pieces.size(); i += 3) {
            int match = pieces.get(i + 2);
            if (match == previousMatch && out.size() > 0) out.set(out.size() - 2, pieces.get(i + 1));
            else addPiece(out, pieces.get(i), pieces.get(i + 1), false);
            previousMatch = match;
        }
        return out;
    }

    /** A match joins the piece before it, unless that piece is itself a match. */
    private static IntList mergeWithPrevious(IntList pieces) {
        IntList out = new IntList(pieces.size());
        int previousMatch = 0;
        for (int i = 0; i < pieces.size(); i += 3) {
            int match = pieces.get(i + 2);
            if (match == 1 && previousMatch == 0 && out.size() > 0) out.set(out.size() - 2, pieces.get(i + 1));
            else addPiece(out, pieces.get(i), pieces.get(i + 1), false);
            previousMatch = match;
        }
        return out;
    }

    /** A match joins the piece after it, unless that piece is itself a match (scanning from the end). */
    private static IntList mergeWithNext(IntList pieces) {
        IntList reversed = new IntList(pieces.size());
        int previousMatch = 0;
        for (int i = pieces.size() - 3; i >= 0; i -= 3) {
            int match = pieces.get(i + 2);
            if (match == 1 && previousMatch == 0 && reversed.size() > 0) reversed.set(reversed.size() - 3, pieces.get(i));
            else addPiece(reversed, pieces.get(i), pieces.get(i + 1), false);
            previousMatch = match;
        }
        IntList out = new IntList(reversed.size());
        for (int i = reversed.size() - 3; i >= 0; i -= 3) addPiece(out, reversed.get(i), reversed.get(i + 1), false);
        return out;
    }
}
