package dev.cocktail.tokenizer;

/**
 * Decoding bytes that may not be valid UTF-8, exactly as Rust does. Rust's from_utf8_lossy writes one
 * U+FFFD per maximal invalid subpart; the JDK's decoder differs on some inputs (it reads an encoded
 * surrogate, ED A0 80, as one error where Rust sees three), so decoders use this instead.
 */
final class Utf8 {
    private Utf8() {}

    /** Rust's String::from_utf8_lossy. */
    static String decodeLossy(byte[] bytes, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; ) {
            int n = sequence(bytes, i, length);
            if (n > 0) {
                out.appendCodePoint(codePoint(bytes, i, n));
                i += n;
            } else {
                out.append('\uFFFD');
                i += -n;
            }
        }
        return out.toString();
    }

    /** Rust's String::from_utf8: the text, or null when the bytes are not valid UTF-8. */
    static String decodeStrict(byte[] bytes, int length) {
        for (int i = 0; i < length; ) {
            int n = sequence(bytes, i, length);
            if (n <= 0) return null;
            i += n;
        }
        return new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The length of the valid sequence at i, or minus the length of the invalid part to replace (the
     * longest prefix of some valid sequence, at least one byte).
     */
    private static int sequence(byte[] b, int i, int length) {
        int lead = b[i] & 0xFF;
        if (lead < 0x80) return 1;
        int width;
        int low = 0x80;
        int high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            width = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            width = 3;
            if (lead == 0xE0) low = 0xA0;
            if (lead == 0xED) high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            width = 4;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;
        } else {
            return -1;
        }
        for (int k = 1; k < width; k++) {
            if (i + k >= length) return -k;
            int c = b[i + k] & 0xFF;
            if (c < low || c > high) return -k;
            low = 0x80;
            high = 0xBF;
        }
        return width;
    }

    private static int codePoint(byte[] b, int i, int n) {
        return switch (n) {
            case 1 -> b[i];
            case 2 -> (b[i] & 0x1F) << 6 | (b[i + 1] & 0x3F);
            case 3 -> (b[i] & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | (b[i + 2] & 0x3F);
            default -> (b[i] & 0x07) << 18 | (b[i + 1] & 0x3F) << 12 | (b[i + 2] & 0x3F) << 6 | (b[i + 3] & 0x3F);
        };
    }
}
