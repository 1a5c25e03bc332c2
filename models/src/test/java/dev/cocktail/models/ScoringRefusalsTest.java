package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoring inputs that used to give NaN weights or run out of memory, refused with a sentence (issue 20). */
class ScoringRefusalsTest {
    @TempDir
    Path tmp;

    static ModelDir model(String name) {
        return ModelDir.resolve(TestData.path("cocktail-decoder/" + name).toString());
    }

    /** A copy of ft-a whose final norm starts with a NaN. */
    Path withNaN() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("nan-model"));
        try (Stream<Path> files = Files.list(TestData.path("cocktail-decoder/ft-a"))) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        long at;
        int bytes;
        try (Checkpoint c = Checkpoint.open(dir)) {
            Tensor t = c.require("model.norm.weight");
            at = t.position();
            bytes = t.dtype().byteSize();
        }
        ByteBuffer nan = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes == 4) nan.putFloat(Float.NaN);
        else nan.putShort((short) 0x7fc0); // bf16's NaN (f16 reads it as NaN as well)
        try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.WRITE)) {
            ch.write(nan.flip(), at);
        }
        return dir;
    }

    @Test
    void aLossThatIsNotFiniteNamesTheModelAndTheExample() throws IOException {
        ModelDir nan = ModelDir.resolve(withNaN().toString());
        CocktailException e = assertThrows(CocktailException.class, () -> Scoring.score(List.of(model("base"), nan),
                TestData.path("cocktail-decoder/examples.jsonl"), Scoring.Options.DEFAULTS, Progress.NONE));
        assertTrue(e.getMessage().startsWith(nan.name() + ": example 1 gives a loss of NaN"), e.getMessage());
    }

    /** T = 1e-45 rounds to float32's smallest subnormal: -loss / T overflowed to -infinity and every weight was NaN. */
    @Test
    void aTemperatureThatOverflowsIsRefused() {
        for (double t : new double[] {1e-45, 1e-50}) {
            CocktailException e = assertThrows(CocktailException.class, () -> Scoring.weights(new double[] {2.5, 3.0}, t));
            assertTrue(e.getMessage().contains("the temperature " + t + " is too small"), e.getMessage());
        }
    }

    @Test
    void aDataFileWithoutEndIsRefusedAtItsFirstLongLine() {
        CocktailException e = assertThrows(CocktailException.class, () -> Examples.decoder(Path.of("/dev/zero")));
        assertTrue(e.getMessage().startsWith("/dev/zero: line 1 is longer than 64 MB"), e.getMessage());
    }

    @Test
    void invalidUtf8IsPlaced() throws IOException {
        Path f = Files.write(tmp.resolve("latin1.jsonl"), "{\"input\": \"a\", \"output\": \"b\"}\n{\"input\": \"caf\u00e9\"}\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CocktailException e = assertThrows(CocktailException.class, () -> Examples.decoder(f));
        assertTrue(e.getMessage().equals(f + ": line 2 is not valid UTF-8 (byte 15 of the line, offset 44 in the file)."), e.getMessage());
    }
}
