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
}
