package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Pattern;

/** tokenizer.json "normalizer": rewrites each stretch of text between added tokens before pre-tokenization. */
sealed interface Normalizer {
    String normalize(String s);

    /** No normalizer at all: an empty sequence. */
    Normalizer NONE = new Sequence(List.of());

    static Normalizer fromJson(JsonNode node) {
        if (Json.isNull(node)) return NONE;
        String type = Json.type(node, "normalizer");
        return switch (type) {
            case "NFC" -> new Unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> new Unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new Unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new Unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> new Lowercase();
            case "StripAccents" -> new StripAccents();
            case "Strip" -> new Strip(Json.bool(node, "strip_left", true), Json.bool(node, "strip_right", true));
            case "Replace" -> new Replace(Patterns.fromJson(node.get("pattern")), Json.text(node, "content"));
            case "Prepend" -> new Prepend(Json.text(node, "prepend"));
            case "BertNormalizer" -> new Bert(Json.bool(node, "clean_text", true), Json.bool(node, "handle_chinese_chars", true),
                    // strip_accents null means "whatever lowercase is", as in BERT's original code
                    Json.isNull(node.get("strip_accents")) ? Json.bool(node, "lowercase", true) : Json.bool(node, "strip_accents", false),
                    Json.bool(node, "lowercase", true));
            case "Sequence" -> new Sequence(Json.list(node, "normalizers", Normalizer::fromJson));
            default -> throw Json.unsupported("normalizer", type);
        };
    }

    record Unicode(java.text.Normalizer.Form form) implements Normalizer {
        public String normalize(String s) {
            return unicode(s, form);
        }
    }

    record Lowercase() implements Normalizer {
        public String normalize(String s) {
            return Chars.lowercase(s);
        }
    }

    /** Removes combining marks (Mn, Mc, Me); it does not decompose first, so it usually follows NFD. */
    record StripAccents() implements Normalizer {
        public String normalize(String s) {
            return removeMarks(s, Chars::isCombiningMark);
        }
    }

    record Strip(boolean left, boolean right) implements Normalizer {
        public String normalize(String s) {
            int start = 0;
            int end = s.length();
            while (left && start < end && Chars.isWhitespace(s.codePointAt(start))) start += Character.charCount(s.codePointAt(start));
            while (right && end > start && Chars.isWhitespace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
            return s.substring(start, end);
        }
    }

    record Replace(Pattern pattern, String content) implements Normalizer {
        public String normalize(String s) {
            return Patterns.replaceAll(pattern, s, content);
        }
    }

    record Prepend(String prefix) implements Normalizer {
        public String normalize(String s) {
            return s.isEmpty() ? s : prefix + s;
        }
    }

    /** BERT's cleanup: drop controls, spaces for whitespace, isolate CJK ideographs, strip accents, lowercase. */
    record Bert(boolean cleanText, boolean chineseChars, boolean stripAccents, boolean lowercase) implements Normalizer {
        public String normalize(String s) {
            if (cleanText || chineseChars) {
                StringBuilder out = new StringBuilder(s.length() + 8);
                for (int i = 0; i < s.length(); ) {
                    int c = s.codePointAt(i);
                    i += Character.charCount(c);
                    if (cleanText && (c == 0 || c == 0xFFFD || Chars.isControl(c))) continue;
                    if (cleanText && Chars.isWhitespace(c)) out.append(' ');
                    else if (chineseChars && Chars.isChinese(c)) out.append(' ').appendCodePoint(c).append(' ');
                    else out.appendCodePoint(c);
                }
                s = out.toString();
            }
            if (stripAccents) s = removeMarks(unicode(s, java.text.Normalizer.Form.NFD), Chars::isNonspacingMark);
            return lowercase ? Chars.lowercase(s) : s;
        }
    }

    record Sequence(List<Normalizer> normalizers) implements Normalizer {
        public String normalize(String s) {
            String in = s;
            for (Normalizer n : normalizers) {
                s = n.normalize(s);
                Patterns.checkGrowth("normalizer sequence", in.length(), s.length());
            }
            return s;
        }
    }

    /** Drops the characters the test calls marks; no mark is below U+0300. */
    private static String removeMarks(String s, java.util.function.IntPredicate mark) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int n = Character.charCount(c);
            boolean drop = c >= 0x300 && mark.test(c);
            if (drop && out == null) out = new StringBuilder(s.length()).append(s, 0, i);
            if (!drop && out != null) out.appendCodePoint(c);
            i += n;
        }
        return out == null ? s : out.toString();
    }

    /**
     * Unicode normalization as the Rust crate's older tables do it: characters they give no decomposition
     * stay as they are, so the text is normalized in stretches around them (they are starters, so nothing
     * would have been reordered or composed across them).
     */
    private static String unicode(String s, java.text.Normalizer.Form form) {
        boolean compatibility = form == java.text.Normalizer.Form.NFKC || form == java.text.Normalizer.Form.NFKD;
        int[] kept = compatibility ? RustUnicode.NO_COMPATIBILITY_DECOMPOSITION : RustUnicode.NO_CANONICAL_DECOMPOSITION;
        StringBuilder out = null;
        int from = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int n = Character.charCount(c);
            if (c >= kept[0] && RustUnicode.in(kept, c)) {
                if (out == null) out = new StringBuilder(s.length() + 8);
                out.append(java.text.Normalizer.normalize(s.substring(from, i), form)).appendCodePoint(c);
                from = i + n;
            }
            i += n;
        }
        if (out == null) return java.text.Normalizer.normalize(s, form);
        return out.append(java.text.Normalizer.normalize(s.substring(from), form)).toString();
    }
}
