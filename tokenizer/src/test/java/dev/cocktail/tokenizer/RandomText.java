package dev.cocktail.tokenizer;

import java.util.List;
import java.util.Random;

/**
 * Seeded random texts that stress tokenizers: words of many scripts, digits, runs of odd whitespace,
 * combining marks, emoji sequences, controls, and strings that are or nearly are special tokens.
 */
final class RandomText {
    private RandomText() {}

    private static final List<String> SPECIALS = List.of(
            "<s>", "</s>", "<unk>", "<pad>", "[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]", "<|begin_of_text|>",
            "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|reserved_special_token_7|>", "<|eot_id|",
            "< s>", "<S>", "<s", "[cls]", "[ SEP]", "<0x0A>", "▁", "Ġ", "##ing", "'s", "'T", "'ll", "'Re", "n't", "'VE", "'d");
    private static final String SPACES = " \t\n\r\u00A0\u2000\u2003\u2009\u202F\u205F\u3000\u1680\u0085\u000B\u000C";
    private static final String CONTROLS = "\u0000\u001B\u007F\u0085\u200B\uFEFF\u202E\u2066\u00AD\u0001\uE000\uE123\uF8FF\u08E2\u0890\uFFF9";
    private static final String[] EMOJI = {
            "😀", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "🏴\uDB40\uDC67\uDB40\uDC62\uDB40\uDC73\uDB40\uDC63\uDB40\uDC74\uDB40\uDC7F", "❤️", "🤖", "🧑🏿‍🚀", "☕", "✨", "🥰", "🫠", "\uDB80\uDC05", "\uD804\uDCCD", "\uD80D\uDC30"};
    /** Code point ranges of scripts: Latin-1, Latin Extended, Greek, Cyrillic, Hebrew, Arabic, Devanagari, Thai, Hangul jamo, kana, CJK, Hangul, fullwidth, CJK Extension B, math alphanumerics. */
    private static final int[][] SCRIPTS = {
            {0xC0, 0xFF}, {0x100, 0x17F}, {0x391, 0x3C9}, {0x410, 0x44F}, {0x5D0, 0x5EA}, {0x627, 0x64A},
            {0x905, 0x939}, {0xE01, 0xE2E}, {0x1100, 0x1112}, {0x3041, 0x3096}, {0x30A1, 0x30FA}, {0x4E00, 0x9FA5},
            {0xAC00, 0xD7A3}, {0xFF01, 0xFF5E}, {0x20000, 0x2A6D6}, {0x1D400, 0x1D433}};

    static String next(Random r) {
        StringBuilder b = new StringBuilder();
        int parts = 1 + r.nextInt(12);
        for (int p = 0; p < parts; p++) {
            switch (r.nextInt(12)) {
                case 0, 1, 2 -> b.append(word(r));
                case 3 -> b.append(r.nextInt(1_000_000));
                case 4 -> { for (int k = 1 + r.nextInt(4); k > 0; k--) b.append(SPACES.charAt(r.nextInt(SPACES.length()))); }
                case 5 -> b.append(SPECIALS.get(r.nextInt(SPECIALS.size())));
                case 6 -> b.append(EMOJI[r.nextInt(EMOJI.length)]);
                case 7 -> {
                    int[] range = SCRIPTS[r.nextInt(SCRIPTS.length)];
                    for (int k = 1 + r.nextInt(6); k > 0; k--) b.appendCodePoint(range[0] + r.nextInt(range[1] - range[0] + 1));
                }
                case 8 -> b.append("e\u0301a\u0308n\u0303"
                        .substring(0, 2 * (1 + r.nextInt(3))));
                case 9 -> b.append(CONTROLS.charAt(r.nextInt(CONTROLS.length())));
                case 10 -> b.append(".,;:!?()[]{}<>\"'`~@#$%^&*-_=+|\\/…—«»“”".charAt(r.nextInt(38)));
                default -> b.append(' ');
            }
            if (r.nextInt(3) == 0) b.append(' ');
        }
        return b.toString();
    }

    private static String word(Random r) {
        StringBuilder w = new StringBuilder();
        int n = 1 + r.nextInt(r.nextInt(10) == 0 ? 40 : 9);
        for (int i = 0; i < n; i++) w.append((char) ('a' + r.nextInt(26)));
        return switch (r.nextInt(4)) {
            case 0 -> w.substring(0, 1).toUpperCase() + w.substring(1);
            case 1 -> w.toString().toUpperCase();
            default -> w.toString();
        };
    }
}
