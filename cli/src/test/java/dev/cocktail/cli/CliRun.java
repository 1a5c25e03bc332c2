package dev.cocktail.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the command line in-process and keeps what it printed. */
record CliRun(int status, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Cocktail.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(status, out.toString(), err.toString());
    }

    /** The repository's testdata/ folder (copies of the shared fixtures). */
    static Path testdata(String relative) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("testdata/ not found");
        return p.resolve("testdata").resolve(relative);
    }

    /** The repository's examples/ folder (the demo). */
    static Path examples(String relative) {
        return testdata("").getParent().resolve("examples").resolve(relative);
    }
}
