package dev.cocktail.engine.merge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Json;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's testdata/ and examples/, found by walking up from the working directory. */
final class MergeTestData {
    private MergeTestData() {}

    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    static Path path(String relative) {
        return repo().resolve("testdata").resolve(relative);
    }

    static Path example(String relative) {
        return repo().resolve("examples").resolve(relative);
    }

    static JsonNode json(String relative) {
        return Json.readFile(path(relative));
    }
}
