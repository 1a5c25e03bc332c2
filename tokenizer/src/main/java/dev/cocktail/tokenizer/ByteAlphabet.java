package dev.cocktail.tokenizer;

/**
 * GPT-2's reversible mapping of the 256 byte values to printable characters, used by byte-level BPE:
 * printable Latin-1 bytes stand for themselves, the others (space, controls, ...) for U+0100 onwards.
 */
final class ByteAlphabet {
    private ByteAlphabet() {}

    /** The character standing for each byte. */
    static final char[] CHAR_OF_BYTE = new char[256];
    /** The byte each alphabet character stands for, or -1; indexed by char, all of them below U+0144. */
    static final int[] BYTE_OF_CHAR = new int[0x144];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    /**
     * The text's UTF-8 bytes, each written as its alphabet character. A lone surrogate (impossible in a
     * Rust string) is taken as U+FFFD.
     */
    static String encode(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            int n = Character.charCount(c);
            if (c < 0x80 && CHAR_OF_BYTE[c] == c) {
                if (out != null) out.append((char) c);
                i += n;
                continue;
            }
            if (out == null) out = new StringBuilder(text.length() * 2).append(text, 0, i);
            if (Character.isSurrogate((char) c)) c = 0xFFFD;
            if (c < 0x80) {
                out.append(CHAR_OF_BYTE[c]);
            } else if (c < 0x800) {
                out.append(CHAR_OF_BYTE[0xC0 | c >> 6]).append(CHAR_OF_BYTE[0x80 | c & 0x3F]);
            } else if (c < 0x10000) {
                out.append(CHAR_OF_BYTE[0xE0 | c >> 12]).append(CHAR_OF_BYTE[0x80 | c >> 6 & 0x3F])
                        .append(CHAR_OF_BYTE[0x80 | c & 0x3F]);
            } else {
                out.append(CHAR_OF_BYTE[0xF0 | c >> 18]).append(CHAR_OF_BYTE[0x80 | c >> 12 & 0x3F])
                        .append(CHAR_OF_BYTE[0x80 | c >> 6 & 0x3F]).append(CHAR_OF_BYTE[0x80 | c & 0x3F]);
            }
            i += n;
        }
        return out == null ? text : out.toString();
    }
}
