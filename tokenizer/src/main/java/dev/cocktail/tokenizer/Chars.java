package dev.cocktail.tokenizer;

/**
 * Character classes as the Rust tokenizers crate sees them. Everything here takes a code point, never
 * a UTF-16 char: an astral character such as U+20000 (CJK Extension B) is one character to Rust. The
 * crate's category tables are older than the JDK's; {@link RustUnicode} lists where they differ.
 */
final class Chars {
    private Chars() {}

    /** Rust's char::is_whitespace: the Unicode White_Space property (not Java's isWhitespace). */
    static boolean isWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
                || c == 0x205F || c == 0x3000;
    }

    /** BertNormalizer's control test: categories Cc, Cf and Co, except the three whitespace controls. */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        int type = Character.getType(c);
        boolean jdk = type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE;
        return jdk != RustUnicode.in(RustUnicode.OTHER_FLIPS, c);
    }

    /** The BERT punctuation test: ASCII punctuation (which includes symbols such as $ and +) or a P* category. */
    static boolean isPunctuation(int c) {
        if (c < 0x80) return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
        boolean jdk = switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
        return jdk != RustUnicode.in(RustUnicode.PUNCTUATION_FLIPS, c);
    }

    /** The CJK ideograph blocks that BertNormalizer isolates, astral ones included. */
    static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }

    /** Rust's char::is_numeric: categories Nd, Nl and No. */
    static boolean isNumeric(int c) {
        int type = Character.getType(c);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
    }

    /** The regex crate's Unicode \w, which decides whether a single_word added token touches a word. */
    static boolean isWordCharacter(int c) {
        if (c == '_' || c == 0x200C || c == 0x200D || Character.isAlphabetic(c)) return true;
        return switch (Character.getType(c)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** The nonspacing-mark test of BertNormalizer's accent stripping (category Mn). */
    static boolean isNonspacingMark(int c) {
        return (Character.getType(c) == Character.NON_SPACING_MARK) != RustUnicode.in(RustUnicode.NONSPACING_MARK_FLIPS, c);
    }

    /** The mark test of the StripAccents normalizer, which is wider: categories Mn, Mc and Me. */
    static boolean isCombiningMark(int c) {
        int type = Character.getType(c);
        boolean jdk = type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK || type == Character.ENCLOSING_MARK;
        return jdk != RustUnicode.in(RustUnicode.MARK_FLIPS, c);
    }

    /**
     * Lowercases character by character like Rust's char::to_lowercase, which applies no context (a final
     * capital sigma becomes σ, not ς, unlike String.toLowerCase) but does use the one unconditional
     * multi-character mapping, U+0130 to "i" + U+0307.
     */
    static String lowercase(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int n = Character.charCount(c);
            int lower = c == 0x130 ? -1 : Character.toLowerCase(c);
            if (lower != c && out == null) out = new StringBuilder(s.length() + 8).append(s, 0, i);
            if (out != null) {
                if (lower == -1) out.append("i\u0307");
                else out.appendCodePoint(lower);
            }
            i += n;
        }
        return out == null ? s : out.toString();
    }
}
