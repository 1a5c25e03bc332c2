package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * tokenizer.json "decoder": turns token strings back into text. Each decoder maps the list of token
 * strings to a new list (some fuse it into one), the next decoder of a Sequence continues from there,
 * and the final pieces are concatenated.
 */
sealed interface Decoder {
    List<String> decodeChain(List<String> tokens);

    default String decode(List<String> tokens) {
        return String.join("", decodeChain(tokens));
    }

    static Decoder fromJson(JsonNode node) {
        String type = Json.type(node, "decoder");
        return switch (type) {
            case "ByteLevel" -> new ByteLevel();
            case "Metaspace" -> {
                PreTokenizer.Metaspace m = PreTokenizer.Metaspace.fromJson(node);
                yield new Metaspace(m.replacement(), m.prepend() != PreTokenizer.Metaspace.Prepend.NEVER);
            }
            case "WordPiece" -> new WordPiece(node.has("prefix") ? Json.text(node, "prefix") : "##", Json.bool(node, "cleanup", true));
            case "ByteFallback" -> new ByteFallback();
            case "Fuse" -> new Fuse();
            case "Strip" -> new Strip(Json.character(node, "content"), Json.integer(node, "start", 0), Json.integer(node, "stop", 0));
            case "Replace" -> new Replace(Patterns.fromJson(node.get("pattern")), Json.text(node, "content"));
            case "Sequence" -> new Sequence(Json.list(node, "decoders", Decoder::fromJson));
            default -> throw Json.unsupported("decoder", type);
        };
    }

    /** Byte-level tokens back to bytes, then UTF-8; a token with a character outside the alphabet stays as it is. */
    record ByteLevel() implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            byte[] bytes = new byte[64];
            int n = 0;
            for (String token : tokens) {
                if (n + 4 * token.length() > bytes.length) bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, n + 4 * token.length()));
                int start = n;
                boolean alphabet = true;
                for (int i = 0; i < token.length() && alphabet; i++) {
                    char c = token.charAt(i);
                    int b = c < ByteAlphabet.BYTE_OF_CHAR.length ? ByteAlphabet.BYTE_OF_CHAR[c] : -1;
                    if (b < 0) alphabet = false;
                    else bytes[n++] = (byte) b;
                }
                if (!alphabet) {
                    byte[] raw = token.getBytes(StandardCharsets.UTF_8);
                    System.arraycopy(raw, 0, bytes, start, raw.length);
                    n = start + raw.length;
                }
            }
            return List.of(Utf8.decodeLossy(bytes, n));
        }
    }

    /** The replacement character back to a space, dropped at the very start when the encoder added it. */
    record Metaspace(int replacement, boolean prefixAdded) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String token = tokens.get(i);
                StringBuilder s = new StringBuilder(token.length());
                for (int k = 0; k < token.length(); ) {
                    int c = token.codePointAt(k);
                    k += Character.charCount(c);
                    if (c != replacement) s.appendCodePoint(c);
                    else if (i != 0 || !prefixAdded) s.append(' ');
                }
                out.add(s.toString());
            }
            return out;
        }
    }

    /** "##" pieces join the previous token, others get a space; cleanup undoes BERT's spacing of punctuation. */
    record WordPiece(String prefix, boolean cleanup) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String token = tokens.get(i);
                if (i != 0) token = token.startsWith(prefix) ? token.substring(prefix.length()) : " " + token;
                out.add(cleanup ? cleanup(token) : token);
            }
            return out;
        }

        private static String cleanup(String s) {
            return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                    .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                    .replace(" 've", "'ve").replace(" 're", "'re");
        }
    }

    /**
     * Runs of "<0xXX>" byte tokens become the text they encode; a run that is not valid UTF-8 becomes one
     * U+FFFD per byte.
     */
    record ByteFallback() implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            byte[] run = new byte[tokens.size()];
            int n = 0;
            for (String token : tokens) {
                int b = byteOf(token);
                if (b >= 0) {
                    run[n++] = (byte) b;
                    continue;
                }
                flush(run, n, out);
                n = 0;
                out.add(token);
            }
            flush(run, n, out);
            return out;
        }

        /** The byte of a "<0xXX>" token, or -1; the hex part is read as Rust's u8::from_str_radix reads it. */
        private static int byteOf(String token) {
            if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') return -1;
            if (token.charAt(3) == '+') return hexDigit(token.charAt(4));
            int hi = hexDigit(token.charAt(3));
            int lo = hexDigit(token.charAt(4));
            return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
        }

        private static int hexDigit(char c) {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }

        private static void flush(byte[] run, int n, List<String> out) {
            if (n == 0) return;
            String text = Utf8.decodeStrict(run, n);
            if (text != null) out.add(text);
            else for (int i = 0; i < n; i++) out.add("\uFFFD");
        }
    }

    record Fuse() implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to start leading and stop trailing occurrences of the character from every token. */
    record Strip(int content, int start, int stop) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) {
                int from = 0;
                for (int k = 0; k < start && from < token.length() && token.codePointAt(from) == content; k++) {
                    from += Character.charCount(content);
                }
                int to = token.length();
                for (int k = 0; k < stop && to > from && token.codePointBefore(to) == content; k++) {
                    to -= Character.charCount(content);
                }
                out.add(token.substring(from, to));
            }
            return out;
        }
    }

    record Replace(Pattern pattern, String content) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) out.add(Patterns.replaceAll(pattern, token, content));
            return out;
        }
    }

    record Sequence(List<Decoder> steps) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            for (Decoder step : steps) tokens = step.decodeChain(tokens);
            return tokens;
        }
    }
}
