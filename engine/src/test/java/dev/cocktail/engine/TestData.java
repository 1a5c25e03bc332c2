package dev.cocktail.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

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

    /** The names of what dir holds, sorted: what the output tests compare before and after. */
    public static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
