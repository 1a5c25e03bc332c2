package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenize command on the demo models' byte-level BPE tokenizer (src/test/resources/tokenize). */
class TokenizeCommandTest {
    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Cocktail.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(status, out.toString(), err.toString());
    }

    private static Path tokenizerDir() throws URISyntaxException {
        return Path.of(TokenizeCommandTest.class.getResource("/tokenize/tokenizer.json").toURI()).getParent();
    }

    @Test
    void jsonForOneText() throws Exception {
        Result r = run("tokenize", tokenizerDir().toString(), "--text", "add 23 58\n 81", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals("{\"ids\":[1,270,261,54,264,59,13,267,52],\"tokens\":[\"<s>\",\"add\",\"Ġ2\",\"3\",\"Ġ5\",\"8\",\"Ċ\",\"Ġ8\",\"1\"]}\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void readableFormWithoutSpecialTokens() throws Exception {
        Result r = run("tokenize", tokenizerDir().resolve("tokenizer.json").toString(), "--text", "add 23", "--no-special");
        assertEquals(0, r.status(), r.err());
        assertEquals("ids     [270,261,54]\ntokens  [\"add\",\"Ġ2\",\"3\"]\n", r.out());
    }

    @Test
    void inputFileGivesOneObjectPerText(@TempDir Path tmp) throws Exception {
        Path input = tmp.resolve("texts.jsonl");
        Files.writeString(input, "{\"text\": \"add 1 2\\n\"}\n\n{\"text\": \"\"}\n{\"text\": \"sort 9 8\", \"other\": 1}\n");
        Result r = run("tokenize", tokenizerDir().toString(), "--input", input.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(3, lines.length, r.out());
        assertTrue(lines[0].startsWith("{\"ids\":[1,270,"), lines[0]);
        assertEquals("{\"ids\":[1],\"tokens\":[\"<s>\"]}", lines[1]);
        assertTrue(lines[2].contains("\"tokens\":[\"<s>\",\"sort\","), lines[2]);
    }

    @Test
    void pairsGetTheirTemplateAndTypeIds(@TempDir Path tmp) throws Exception {
        Result pair = run("tokenize", tokenizerDir().toString(), "--text", "add 23", "--pair", "sort 9", "--json");
        assertEquals(0, pair.status(), pair.err());
        assertEquals("{\"ids\":[1,270,261,54,1,279,268],\"tokens\":[\"<s>\",\"add\",\"Ġ2\",\"3\",\"<s>\",\"sort\",\"Ġ9\"],"
                + "\"type_ids\":[0,0,0,0,1,1,1]}\n", pair.out());

        Path input = tmp.resolve("pairs.jsonl");
        Files.writeString(input, "{\"text\": \"add 23\", \"text_pair\": \"sort 9\"}\n{\"text\": \"add 23\"}\n");
        Result lines = run("tokenize", tokenizerDir().toString(), "--input", input.toString(), "--json");
        assertEquals(0, lines.status(), lines.err());
        assertEquals(pair.out() + "{\"ids\":[1,270,261,54],\"tokens\":[\"<s>\",\"add\",\"Ġ2\",\"3\"]}\n", lines.out());

        Result readable = run("tokenize", tokenizerDir().toString(), "--text", "add", "--pair", "sort", "--no-special");
        assertEquals("ids     [270,279]\ntokens  [\"add\",\"sort\"]\ntypes   [0,1]\n", readable.out());

        Result misplaced = run("tokenize", tokenizerDir().toString(), "--input", input.toString(), "--pair", "x");
        assertEquals(2, misplaced.status());
        assertEquals("cocktail: --pair goes with one --text; lines of --input carry their own \"text_pair\"\n", misplaced.err());
    }

    @Test
    void errorsAreOneSentenceWithStatusTwo(@TempDir Path tmp) throws Exception {
        Result missing = run("tokenize", tmp.toString(), "--text", "x");
        assertEquals(2, missing.status());
        assertEquals("cocktail: tokenizer.json at " + tmp.resolve("tokenizer.json").toAbsolutePath() + ": no such file\n", missing.err());
        assertEquals("", missing.out());

        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"ok\"}\n{\"prompt\": \"no text\"}\n");
        Result noText = run("tokenize", tokenizerDir().toString(), "--input", bad.toString());
        assertEquals(2, noText.status());
        assertEquals("cocktail: " + bad + ": line 2: \"text\" is missing or not a string.\n", noText.err());

        Result both = run("tokenize", tokenizerDir().toString(), "--text", "a", "--input", bad.toString());
        assertEquals(2, both.status(), "--text and --input exclude each other");
        Result neither = run("tokenize", tokenizerDir().toString());
        assertEquals(2, neither.status(), "one of --text and --input is required");
    }
}
