package dev.cocktail.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.SafetensorsFile;
import dev.cocktail.engine.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Any bytes as a safetensors file: our error with a message, or tensors inside the file. */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void anyBytes(byte[] bytes) throws IOException {
        Path f = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(f, bytes);
            try (SafetensorsFile s = SafetensorsFile.open(f)) {
                long total = 0;
                for (Tensor t : s.tensors()) total += t.byteSize();
                if (total > bytes.length) throw new AssertionError("tensors claim more bytes than the file has");
            } catch (CocktailException e) {
                if (e.getMessage() == null || !e.getMessage().startsWith(f.toString())) throw new AssertionError("message must name the file", e);
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
