package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFileTest {
    @TempDir
    Path tmp;

    @Test
    void appearsWholeAndReplacesTheOldFile() throws IOException {
        Path f = Files.writeString(tmp.resolve("report.json"), "old");
        OutputFile.write(f, t -> Files.writeString(t, "new"));
        assertEquals("new", Files.readString(f));
        assertEquals(List.of("report.json"), TestData.listing(tmp));
    }

    @Test
    void aFailureHalfWayLeavesNothing() throws IOException {
        Path f = tmp.resolve("logits.safetensors");
        CocktailException e = assertThrows(CocktailException.class, () -> OutputFile.write(f, t -> {
            Files.writeString(t, "half");
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains("logits.safetensors") && e.getMessage().contains("No space left"), e.getMessage());
        assertEquals(List.of(), TestData.listing(tmp));
    }

    @Test
    void neverAnInputNorInsideOneNorInsideTheOutput() throws IOException {
        Path data = Files.writeString(tmp.resolve("data.jsonl"), "{}");
        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{}");
        Path out = tmp.resolve("out");
        List<Path> inputs = List.of(data, model);
        for (Path bad : List.of(data, model.resolve("config.json"), out.resolve("r.json"), model, tmp.resolve("nodir/r.json"))) {
            CocktailException e = assertThrows(CocktailException.class, () -> OutputFile.check("--report", bad, inputs, out), bad.toString());
            assertTrue(e.getMessage().startsWith("--report " + bad), e.getMessage());
        }
        OutputFile.check("--report", tmp.resolve("report.json"), inputs, out);
        assertEquals("{}", Files.readString(data));
    }

    @Test
    void aLongLegalNameIsWritten() throws IOException {
        Path f = tmp.resolve("r".repeat(250));
        OutputFile.write(f, t -> Files.writeString(t, "x"));
        assertEquals("x", Files.readString(f));
    }
}
