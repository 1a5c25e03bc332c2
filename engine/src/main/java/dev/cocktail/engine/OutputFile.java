package dev.cocktail.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;

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

    /**
     * Refuses, before any work, a target that would overwrite an input or land inside one (a model's
     * config.json), land inside the output directory, or cannot be written: so that a command fails
     * before its long part, not after it.
     *
     * @param option the option that names the file, for messages
     * @param inputs every file and directory the command reads
     * @param outputDir the model directory the command writes, or null
     */
    public static void check(String option, Path target, Collection<Path> inputs, Path outputDir) {
        Path abs = target.toAbsolutePath().normalize();
        Path real = OutputDir.real(abs);
        for (Path in : inputs) {
            Path inReal = OutputDir.real(in.toAbsolutePath().normalize());
            if (real.equals(inReal)) throw new CocktailException(option + " " + target + " is the input " + in + "; choose another file.");
            if (real.startsWith(inReal)) throw new CocktailException(option + " " + target + " lies inside the input " + in + "; choose another file.");
        }
        if (outputDir != null && real.startsWith(OutputDir.real(outputDir.toAbsolutePath().normalize()))) {
            throw new CocktailException(option + " " + target + " lies inside the output " + outputDir + ", which is replaced; choose another file.");
        }
        if (Files.isDirectory(abs)) throw new CocktailException(option + " " + target + " is a directory; name a file.");
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) throw new CocktailException(option + " " + target + ": its directory does not exist.");
        if (!Files.isWritable(parent)) throw new CocktailException(option + " " + target + ": its directory is not writable (permission denied).");
    }

    public static void write(Path target, Content content) {
        Path abs = target.toAbsolutePath();
        Path tmp = OutputDir.hidden(abs, ".tmp-" + ProcessHandle.current().pid());
        try {
            content.writeTo(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CocktailException("cannot write " + target + ": " + CocktailException.reason(e) + ".", e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write error, if any, is what the user needs to see
            }
        }
    }
}
