package dev.cocktail.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A single output file that appears only when complete: it is written as a hidden sibling
 * `.NAME.tmp-PID`, then renamed over the target; on failure the sibling is removed.
 */
public final class OutputFile {
    private OutputFile() {}

    /** Writes the file's content into the path it is given. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path file) throws IOException;
    }

    public static void write(Path target, Content content) {
        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            content.writeTo(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CocktailException("cannot write " + target + ": " + e.getMessage() + ".", e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write error, if any, is what the user needs to see
            }
        }
    }
}
