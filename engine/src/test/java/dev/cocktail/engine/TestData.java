package dev.cocktail.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's shared test data (copies of ../shared/fixtures) and its demo, found from any module. */
public final class TestData {
    private TestData() {}

    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    public static Path path(String relative) {
        return repo().resolve("testdata").resolve(relative);
    }

    /** A file of the demo in examples/. */
    public static Path example(String relative) {
        return repo().resolve("examples").resolve(relative);
    }
}
