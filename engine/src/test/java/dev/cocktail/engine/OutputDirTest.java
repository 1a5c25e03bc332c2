package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputDirTest {
    @TempDir
    Path tmp;

    @Test
    void nothingAppearsUntilCommit() throws IOException {
        Path out = tmp.resolve("merged");
        try (OutputDir dir = OutputDir.create(out, false, List.of())) {
            Files.writeString(dir.staging().resolve("config.json"), "{}");
            assertFalse(Files.exists(out));
            dir.commit();
        }
        assertEquals(List.of("merged"), TestData.listing(tmp));
        assertTrue(Files.exists(out.resolve("config.json")));
    }

    @Test
    void failureLeavesNothingBehind() throws IOException {
        Path out = tmp.resolve("merged");
        List<TensorSpec> plan = List.of(new TensorSpec("a", DType.F32, new long[] {2}), new TensorSpec("b", DType.F32, new long[] {2}));
        assertThrows(IllegalStateException.class, () -> {
            try (OutputDir dir = OutputDir.create(out, false, List.of());
                 CheckpointWriter w = CheckpointWriter.create(dir.staging(), plan, 1000)) {
                w.write("a", MemorySegment.ofArray(new float[2]));
                throw new IllegalStateException("injected failure half-way");
            }
        });
        assertEquals(List.of(), TestData.listing(tmp));
    }

    @Test
    void existingOutputNeedsForceAndIsReplacedWhole() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("merged"));
        Files.writeString(out.resolve("old.txt"), "old");
        CocktailException e = assertThrows(CocktailException.class, () -> OutputDir.create(out, false, List.of()));
        assertTrue(e.getMessage().contains("already exists; use --force"), e.getMessage());
        try (OutputDir dir = OutputDir.create(out, true, List.of())) {
            Files.writeString(dir.staging().resolve("new.txt"), "new");
            dir.commit();
        }
        assertEquals(List.of("merged"), TestData.listing(tmp));
        assertFalse(Files.exists(out.resolve("old.txt")));
        assertTrue(Files.exists(out.resolve("new.txt")));
    }

    @Test
    void inputsAreNeverTheOutput() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("model"));
        for (Path bad : List.of(in, tmp.resolve("model/../model"), tmp, in.resolve("sub"))) {
            CocktailException e = assertThrows(CocktailException.class, () -> OutputDir.create(bad, true, List.of(in)));
            assertTrue(e.getMessage().contains("input model"), e.getMessage());
        }
        Path link = Files.createSymbolicLink(tmp.resolve("link"), in);
        CocktailException e = assertThrows(CocktailException.class, () -> OutputDir.create(link, true, List.of(in)));
        assertTrue(e.getMessage().contains("is the input model"), e.getMessage());
    }

    @Test
    void leftoversOfAKilledRunAreRemovedByTheNext() throws IOException {
        long deadPid = ProcessHandle.current().pid() + 1_000_000; // above any live pid here
        Path stale = Files.createDirectories(tmp.resolve(".merged.cocktail-partial-" + deadPid));
        Files.writeString(stale.resolve("model.safetensors"), "half");
        try (OutputDir dir = OutputDir.create(tmp.resolve("merged"), false, List.of())) {
            assertFalse(Files.exists(stale));
        }
        assertEquals(List.of(), TestData.listing(tmp));
    }
}
