package dev.cocktail.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.util.Base64;

/**
 * SentencePiece's precompiled normalization table ("precompiled_charsmap"), applied as the Rust
 * library applies it. The blob is a little-endian uint32 trie size in bytes, a Darts-clone double-array
 * trie over UTF-8 bytes (uint32 units), then NUL-terminated replacement strings; a key's value is the
 * byte offset of its replacement.
 *
 * <p>The Rust library walks the text by extended grapheme cluster: a cluster under 6 UTF-8 bytes with any
 * key as a prefix is replaced whole by the shortest such key's replacement (so a trailing combining mark
 * can vanish); otherwise each character is replaced on its own when it is a key.
 */
final class Charsmap {
    private final int[] units;
    private final byte[] replacements;
    /** The replacement of each BMP character looked up alone, or null when it is no key. */
    private final String[] bmp = new String[0x10000];

    private Charsmap(int[] units, byte[] replacements) {
        this.units = units;
        this.replacements = replacements;
        byte[] buf = new byte[4];
        for (int c = 0; c < 0x10000; c++) {
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) continue;
            bmp[c] = shortestMatch(buf, utf8(c, buf, 0));
        }
    }

    /** Decodes the base64 blob; a blob whose parts do not fit together is refused. */
    static Charsmap decode(String base64) {
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw Json.invalid("the Precompiled normalizer's precompiled_charsmap is not valid base64 (" + e.getMessage() + ")");
        }
        if (blob.length < 4) throw Json.invalid("the Precompiled normalizer's precompiled_charsmap is " + blob.length + " bytes, too short to hold its trie size");
        ByteBuffer buffer = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieBytes = Integer.toUnsignedLong(buffer.getInt());
        if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > blob.length - 4) {
            throw Json.invalid("the Precompiled normalizer's precompiled_charsmap declares a trie of " + trieBytes
                    + " bytes but holds " + (blob.length - 4) + " bytes after its size (the trie must be whole uint32 units)");
        }
        int[] units = new int[(int) (trieBytes / 4)];
        for (int i = 0; i < units.length; i++) units[i] = buffer.getInt();
        byte[] replacements = new byte[buffer.remaining()];
        buffer.get(replacements);
        try {
            return new Charsmap(units, replacements);
        } catch (Json.Invalid e) {
            throw Json.invalid("the Precompiled normalizer's precompiled_charsmap does not decode: " + e.getMessage());
        }
    }

    String normalize(String s) {
        StringBuilder out = null;
        BreakIterator clusters = null;
        byte[] buf = null;
        int n = s.length();
        for (int i = 0; i < n; ) {
            char c = s.charAt(i);
            int end;
            // An ASCII character other than CR ends its cluster unless a mark or joiner follows.
            if (c < 0x80 && c != '\r' && (i + 1 == n || s.charAt(i + 1) < 0x300)) {
                end = i + 1;
            } else {
                if (clusters == null) {
                    clusters = BreakIterator.getCharacterInstance();
                    clusters.setText(s);
                }
                end = clusters.following(i);
            }
            String rep = replace(s, i, end, buf == null ? buf = new byte[32] : buf);
            if (rep != null) {
                if (out == null) out = new StringBuilder(n + 16).append(s, 0, i);
                out.append(rep);
            } else if (out != null) {
                out.append(s, i, end);
            }
            i = end;
        }
        return out == null ? s : out.toString();
    }

    /** The cluster's replacement, or null when it stays as it is. */
    private String replace(String s, int start, int end, byte[] buf) {
        int first = s.codePointAt(start);
        if (start + Character.charCount(first) == end) return single(first, buf);
        int bytes = 0;
        for (int i = start; i < end && bytes < 6; ) {
            int c = s.codePointAt(i);
            bytes += utf8Length(c);
            i += Character.charCount(c);
        }
        if (bytes < 6) {
            int len = 0;
            for (int i = start; i < end; ) {
                int c = s.codePointAt(i);
                len = utf8(c, buf, len);
                i += Character.charCount(c);
            }
            String whole = shortestMatch(buf, len);
            if (whole != null) return whole;
        }
        StringBuilder out = null;
        for (int i = start; i < end; ) {
            int c = s.codePointAt(i);
            String rep = single(c, buf);
            if (rep != null && out == null) out = new StringBuilder().append(s, start, i);
            if (out != null) {
                if (rep != null) out.append(rep);
                else out.appendCodePoint(c);
            }
            i += Character.charCount(c);
        }
        return out == null ? null : out.toString();
    }

    private String single(int c, byte[] buf) {
        return c < 0x10000 ? bmp[c] : shortestMatch(buf, utf8(c, buf, 0));
    }

    /**
     * The replacement of the shortest key that is a prefix of the bytes, or null. A NUL byte ends the
     * key, as in Darts-clone.
     */
    private String shortestMatch(byte[] key, int length) {
        int node = offset(unit(0));
        for (int i = 0; i < length; i++) {
            int label = key[i] & 0xFF;
            if (label == 0) return null;
            node ^= label;
            int unit = unit(node);
            if ((unit & 0x800000FF) != label) return null;
            node ^= offset(unit);
            if ((unit >>> 8 & 1) != 0) return replacement(unit(node) & 0x7FFFFFFF);
        }
        return null;
    }

    /** A trie unit; a position outside the trie is an empty unit, which matches no label. */
    private int unit(int index) {
        return index >= 0 && index < units.length ? units[index] : 0x80000000;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private String replacement(int from) {
        if (from >= replacements.length) {
            throw Json.invalid("a key's replacement starts at byte " + from + " of " + replacements.length);
        }
        int end = from;
        while (end < replacements.length && replacements[end] != 0) end++;
        return new String(replacements, from, end - from, StandardCharsets.UTF_8);
    }

    private static int utf8Length(int c) {
        return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }

    /** Writes c's UTF-8 bytes at buf[at]; returns the index after them. */
    private static int utf8(int c, byte[] buf, int at) {
        if (c < 0x80) {
            buf[at++] = (byte) c;
        } else if (c < 0x800) {
            buf[at++] = (byte) (0xC0 | c >> 6);
            buf[at++] = (byte) (0x80 | c & 0x3F);
        } else if (c < 0x10000) {
            buf[at++] = (byte) (0xE0 | c >> 12);
            buf[at++] = (byte) (0x80 | c >> 6 & 0x3F);
            buf[at++] = (byte) (0x80 | c & 0x3F);
        } else {
            buf[at++] = (byte) (0xF0 | c >> 18);
            buf[at++] = (byte) (0x80 | c >> 12 & 0x3F);
            buf[at++] = (byte) (0x80 | c >> 6 & 0x3F);
            buf[at++] = (byte) (0x80 | c & 0x3F);
        }
        return at;
    }
}
