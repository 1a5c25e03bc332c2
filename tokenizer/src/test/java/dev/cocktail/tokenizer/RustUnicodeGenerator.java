package dev.cocktail.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.regex.Pattern;

/**
 * Regenerates src/main/java/.../RustUnicode.java: the code points where the Rust tokenizers crate's
 * Unicode tables (the unicode_categories and unicode-normalization-alignments crates, both years older
 * than the JDK's Unicode 16) answer differently from the JDK. It asks the Rust library itself, through
 * DJL, about every code point. Not a test; run with
 * {@code java -cp <test classpath> dev.cocktail.tokenizer.RustUnicodeGenerator tokenizer/src/main/java/dev/cocktail/tokenizer/RustUnicode.java}.
 */
public final class RustUnicodeGenerator {
    private static final String WORDS = "{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\","
            + "\"max_input_chars_per_word\":100,\"vocab\":{\"[UNK]\":0,\"a\":1,\"b\":2,\"ab\":3}}";

    private static String bytesModel() {
        StringBuilder v = new StringBuilder();
        for (int b = 0; b < 256; b++) v.append(b == 0 ? "" : ",").append(String.format("\"<0x%02X>\":%d", b, b));
        return "{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"fuse_unk\":false,\"byte_fallback\":true,\"vocab\":{" + v + "},\"merges\":[]}";
    }

    private static HuggingFaceTokenizer rust(String normalizer, String preTokenizer, String model) throws Exception {
        String json = "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":" + normalizer + ",\"pre_tokenizer\":" + preTokenizer
                + ",\"post_processor\":null,\"decoder\":null,\"model\":" + model + "}";
        return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), Map.of("truncation", "false", "padding", "false"));
    }

    /** What the byte-fallback model gives back: the normalized text, byte for byte. */
    private static String normalized(HuggingFaceTokenizer t, String text) {
        long[] ids = t.encode(text, false, false).getIds();
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) bytes[i] = (byte) ids[i];
        return new String(bytes, StandardCharsets.UTF_8);
    }

    interface RustAnswer {
        boolean test(int c) throws Exception;
    }

    /** Code points (surrogates aside) where Rust's answer differs from the JDK's, as [first, last] ranges. */
    private static List<int[]> flips(RustAnswer rust, IntPredicate jdk, IntPredicate consider) throws Exception {
        List<int[]> ranges = new ArrayList<>();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (Character.isSurrogate((char) c) && c < 0x10000 || !consider.test(c)) continue;
            if (rust.test(c) == jdk.test(c)) continue;
            if (!ranges.isEmpty() && ranges.getLast()[1] == c - 1) ranges.getLast()[1] = c;
            else ranges.add(new int[] {c, c});
        }
        return ranges;
    }

    public static void main(String[] args) throws Exception {
        HuggingFaceTokenizer nfd = rust("{\"type\":\"NFD\"}", "null", bytesModel());
        HuggingFaceTokenizer nfkd = rust("{\"type\":\"NFKD\"}", "null", bytesModel());
        HuggingFaceTokenizer clean = rust("{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":false,\"strip_accents\":false,\"lowercase\":false}", "null", WORDS);
        HuggingFaceTokenizer nonspacing = rust("{\"type\":\"BertNormalizer\",\"clean_text\":false,\"handle_chinese_chars\":false,\"strip_accents\":true,\"lowercase\":false}", "null", WORDS);
        HuggingFaceTokenizer marks = rust("{\"type\":\"StripAccents\"}", "null", WORDS);
        HuggingFaceTokenizer punctuation = rust("null", "{\"type\":\"Punctuation\",\"behavior\":\"Isolated\"}", WORDS);

        // Rust keeps a character whole where the JDK knows a decomposition (characters newer than its tables).
        IntPredicate decomposes = c -> !java.text.Normalizer.normalize(Character.toString(c), java.text.Normalizer.Form.NFD).equals(Character.toString(c));
        List<int[]> noCanonical = flips(c -> !normalized(nfd, Character.toString(c)).equals(Character.toString(c)), decomposes, c -> true);
        IntPredicate compatDecomposes = c -> !java.text.Normalizer.normalize(Character.toString(c), java.text.Normalizer.Form.NFKD).equals(Character.toString(c));
        List<int[]> noCompatibility = flips(c -> !normalized(nfkd, Character.toString(c)).equals(Character.toString(c)), compatDecomposes, c -> true);

        List<int[]> other = flips(c -> clean.encode("a" + Character.toString(c) + "b", false, false).getIds().length == 1
                        && clean.encode("a" + Character.toString(c) + "b", false, false).getIds()[0] == 3,
                c -> c == 0 || c == 0xFFFD || jdkOther(c), c -> true);
        // Only characters without a decomposition tell the mark test apart from NFD.
        List<int[]> nonspacingMark = flips(c -> nonspacing.encode("a" + Character.toString(c) + "b", false, false).getIds()[0] == 3,
                c -> Character.getType(c) == Character.NON_SPACING_MARK, c -> !decomposes.test(c));
        List<int[]> mark = flips(c -> marks.encode("a" + Character.toString(c) + "b", false, false).getIds()[0] == 3, RustUnicodeGenerator::jdkMark, c -> true);
        List<int[]> punct = flips(c -> punctuation.encode("a" + Character.toString(c) + "b", false, false).getIds().length == 3,
                c -> c < 0x80 ? Chars.isPunctuation(c) : jdkPunctuation(c), c -> true);

        for (String cls : new String[] {"\\p{L}", "\\p{N}", "\\s", "\\w"}) {
            HuggingFaceTokenizer split = rust("null", "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"" + cls.replace("\\", "\\\\") + "\"},\"behavior\":\"Removed\",\"invert\":false}", bytesModel());
            Pattern java = Patterns.regex(cls);
            List<int[]> diff = flips(c -> split.encode(Character.toString(c), false, false).getIds().length == 0, c -> java.matcher(Character.toString(c)).matches(), c -> true);
            System.out.println("Oniguruma " + cls + " differs from java.util.regex on " + describe(diff));
        }

        StringBuilder src = new StringBuilder();
        src.append("package dev.cocktail.tokenizer;\n\n");
        src.append("/**\n * Where the Rust tokenizers crate's Unicode tables differ from the JDK's (generated by RustUnicodeGenerator\n");
        src.append(" * from the Rust library itself; do not edit). The crate answers from tables of an older Unicode\n");
        src.append(" * (unicode_categories, unicode-normalization-alignments), so characters added since are neither controls,\n");
        src.append(" * marks nor punctuation to it, and have no decomposition. Each array holds [first, last] ranges.\n */\n");
        src.append("final class RustUnicode {\n    private RustUnicode() {}\n\n");
        table(src, "No canonical decomposition in Rust, though the JDK has one (NFD, NFC).", "NO_CANONICAL_DECOMPOSITION", noCanonical);
        table(src, "No compatibility decomposition in Rust, though the JDK has one (NFKD, NFKC).", "NO_COMPATIBILITY_DECOMPOSITION", noCompatibility);
        table(src, "Where the crate's control test (Cc, Cf, Co) disagrees with the JDK's categories.", "OTHER_FLIPS", other);
        table(src, "Where the crate's nonspacing-mark test (Mn) disagrees with the JDK's.", "NONSPACING_MARK_FLIPS", nonspacingMark);
        table(src, "Where the crate's combining-mark test (Mn, Mc, Me) disagrees with the JDK's.", "MARK_FLIPS", mark);
        table(src, "Where the crate's punctuation test (P*) disagrees with the JDK's.", "PUNCTUATION_FLIPS", punct);
        src.append("    /** Whether c lies in one of the [first, last] ranges. */\n");
        src.append("    static boolean in(int[] ranges, int c) {\n");
        src.append("        int lo = 0;\n        int hi = ranges.length / 2 - 1;\n");
        src.append("        while (lo <= hi) {\n            int mid = (lo + hi) >>> 1;\n");
        src.append("            if (c < ranges[2 * mid]) hi = mid - 1;\n            else if (c > ranges[2 * mid + 1]) lo = mid + 1;\n            else return true;\n        }\n        return false;\n    }\n}\n");
        Files.writeString(Path.of(args[0]), src);
        System.out.println("wrote " + args[0]);
    }

    static boolean jdkOther(int c) {
        int t = Character.getType(c);
        return (t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE) && c != '\t' && c != '\n' && c != '\r';
    }

    static boolean jdkMark(int c) {
        int t = Character.getType(c);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
    }

    static boolean jdkPunctuation(int c) {
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static String describe(List<int[]> ranges) {
        int n = 0;
        for (int[] r : ranges) n += r[1] - r[0] + 1;
        return n + " code points in " + ranges.size() + " ranges" + (ranges.isEmpty() ? "" : ", first " + Integer.toHexString(ranges.getFirst()[0]));
    }

    private static void table(StringBuilder src, String doc, String name, List<int[]> ranges) {
        System.out.println(name + ": " + describe(ranges));
        src.append("    /** ").append(doc).append(" */\n");
        src.append("    static final int[] ").append(name).append(" = {");
        for (int i = 0; i < ranges.size(); i++) {
            src.append(i % 6 == 0 ? "\n            " : " ");
            src.append(String.format("0x%X, 0x%X,", ranges.get(i)[0], ranges.get(i)[1]));
        }
        src.append("\n    };\n\n");
    }
}
