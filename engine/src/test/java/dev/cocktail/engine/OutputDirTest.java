package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
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
        assertTrue(e.getMessage().contains("already exists; allow replacing it"), e.getMessage());
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
            assertTrue(e.getMessage().contains("the input " + in), e.getMessage());
        }
        Path link = Files.createSymbolicLink(tmp.resolve("link"), in);
        CocktailException e = assertThrows(CocktailException.class, () -> OutputDir.create(link, true, List.of(in)));
        assertTrue(e.getMessage().contains("is the input"), e.getMessage());
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

    @Test
    void neverTheCurrentDirectoryItsParentsOrADirectoryHoldingAnInput() throws IOException {
        for (String bad : List.of("", ".", "..", Path.of("").toAbsolutePath().toString())) {
            CocktailException e = assertThrows(CocktailException.class, () -> OutputDir.check(Path.of(bad), true, List.of()), bad);
            assertTrue(e.getMessage().contains(bad.isEmpty() ? "the output directory is empty" : "is the current directory or holds it"), e.getMessage());
        }
        Path data = Files.writeString(Files.createDirectories(tmp.resolve("work")).resolve("data.jsonl"), "{}");
        CocktailException e = assertThrows(CocktailException.class, () -> OutputDir.create(tmp.resolve("work"), true, List.of(data)));
        assertTrue(e.getMessage().contains("contains the input " + data), e.getMessage());
        assertTrue(Files.exists(data));
    }

    @Test
    void aLongLegalNameIsWritten() throws IOException {
        Path out = tmp.resolve("m".repeat(240));
        try (OutputDir dir = OutputDir.create(out, false, List.of())) {
            Files.writeString(dir.staging().resolve("config.json"), "{}");
            dir.commit();
        }
        assertEquals(List.of(out.getFileName().toString()), TestData.listing(tmp));
    }

    /** The lock names a live process (a sleep standing in for another cocktail): refused, or with --force waited for. */
    @Test
    void anOutputBeingWrittenByAnotherProcessIsNotTakenOver() throws Exception {
        Path out = tmp.resolve("merged");
        Process other = new ProcessBuilder("sleep", "2").start();
        Files.writeString(OutputDir.hidden(out, ".cocktail-lock"), Long.toString(other.pid()));
        CocktailException e = assertThrows(CocktailException.class, () -> OutputDir.create(out, false, List.of()));
        assertTrue(e.getMessage().contains("is being written by another cocktail process (pid " + other.pid() + ")"), e.getMessage());
        try (OutputDir dir = OutputDir.create(out, true, List.of())) {
            assertTrue(!other.isAlive(), "--force waits for the other writer");
            dir.commit();
        }
        assertEquals(List.of("merged"), TestData.listing(tmp), "the lock goes with the run");
    }

    @Test
    void anOutputThatAppearsDuringTheMergeIsNotReplacedWithoutForce() throws IOException {
        Path out = tmp.resolve("merged");
        try (OutputDir dir = OutputDir.create(out, false, List.of())) {
            Files.createDirectories(out.resolve("theirs"));
            CocktailException e = assertThrows(CocktailException.class, dir::commit);
            assertTrue(e.getMessage().contains("appeared while the model was written"), e.getMessage());
        }
        assertTrue(Files.exists(out.resolve("theirs")));
        assertEquals(List.of("merged"), TestData.listing(tmp));
    }

    /** A process killed between creating its lock file and writing its pid leaves the file empty: not a lock held forever. */
    @Test
    void anOldEmptyLockFileIsStale(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("model");
        Path lock = tmp.resolve(".model.cocktail-lock");
        Files.createFile(lock);
        Files.setLastModifiedTime(lock, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (OutputDir dir = OutputDir.create(out, false, List.of())) {
                dir.commit();
            }
        });
        assertTrue(Files.isDirectory(out));
        assertFalse(Files.exists(lock));
    }
}
