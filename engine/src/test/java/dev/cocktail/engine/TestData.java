package dev.cocktail.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's shared test data (copies of ../shared/fixtures), found from any module. */
final class TestData {
    private TestData() {}

    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath());
        return p.resolve("testdata");
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }
}
