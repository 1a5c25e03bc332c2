package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sentence-transformers encoder keeps its own module files when merged; a module with weights is refused. */
class SentenceTransformersFilesTest {

    /** cocktail-encoder's base and ft-a as sentence-transformers models with the given module folders. */
    static List<String> models(Path dir, String... modules) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String m : List.of("base", "ft-a")) {
            Path to = dir.resolve(m);
            Files.createDirectories(to);
            for (String f : List.of("config.json", "model.safetensors")) Files.copy(TestData.path("cocktail-encoder/" + m + "/" + f), to.resolve(f));
            var list = Json.MAPPER.createArrayNode();
            list.addObject().put("idx", 0).put("name", "0").put("path", "").put("type", "sentence_transformers.models.Transformer");
            for (int i = 0; i < modules.length; i++) {
                String type = modules[i].contains("Dense") ? "Dense" : "Pooling";
                list.addObject().put("idx", i + 1).put("name", modules[i]).put("path", modules[i]).put("type", "sentence_transformers.models." + type);
                Files.createDirectories(to.resolve(modules[i]));
                Json.writeFile(to.resolve(modules[i]).resolve("config.json"), Json.MAPPER.createObjectNode().put("pooling_mode_mean_tokens", true));
                if (type.equals("Dense")) Files.write(to.resolve(modules[i]).resolve("model.safetensors"), new byte[16]);
            }
            Json.writeFile(to.resolve("modules.json"), list);
            out.add(to.toString());
        }
        return out;
    }

    @Test
    void ownPoolingIsKept(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("merged");
        Mix.mix(new Mix.Request(TinyModels.dirs(models(dir, "1_Pooling")), new float[] {0.5f, 0.5f}, false, null, 0, null,
                new Output(out, false, 5_000_000_000L, false)), Progress.NONE, "test");
        assertTrue(Json.readFile(out.resolve("1_Pooling/config.json")).get("pooling_mode_mean_tokens").asBoolean());
        assertTrue(Files.isRegularFile(out.resolve("modules.json")));
    }

    @Test
    void aDenseModuleIsRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("merged");
        List<String> models = models(dir, "1_Pooling", "2_Dense");
        CocktailException e = assertThrows(CocktailException.class, () -> Mix.mix(new Mix.Request(TinyModels.dirs(models), new float[] {0.5f, 0.5f}, false,
                null, 0, null, new Output(out, false, 5_000_000_000L, false)), Progress.NONE, "test"));
        assertTrue(e.getMessage().contains("/2_Dense: the sentence-transformers module sentence_transformers.models.Dense has weights of its own "
                + "(model.safetensors), which Cocktail does not merge"), e.getMessage());
        assertFalse(Files.exists(out));
    }
}
