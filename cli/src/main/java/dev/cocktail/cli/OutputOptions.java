package dev.cocktail.cli;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.OutputDir;
import dev.cocktail.engine.OutputFile;
import dev.cocktail.merge.Output;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where a merged model goes, shared by `mix`, `merge` and `extrapolate`. */
final class OutputOptions {
    /** Required, but checked by toOutput(): `merge` also takes it as its second argument, as mergekit-yaml does. */
    @Option(names = "--output", paramLabel = "DIR", description = "Where the merged model goes (required).")
    Path output;

    @Option(names = "--shard-size", paramLabel = "SIZE", defaultValue = "5GB", converter = ByteSize.class,
            description = "Largest weights file (default 5GB).")
    long shardSize;

    @Option(names = "--force", description = "Replace an existing output directory.")
    boolean force;

    @Option(names = "--hash-inputs", description = "Read every input weights file to give its sha256 in the model card "
            + "(without it, only sha256s the Hugging Face cache already names).")
    boolean hashInputs;

    /**
     * Refuses, before any work, an output directory that would replace or hold an input, the
     * current directory, or the report; and a report that would overwrite an input or land in the output.
     *
     * @param inputs the files and directories the command reads besides the models it merges
     *        (the merge checks those itself), or all of them where the report needs them too
     * @param report the --report file, or null
     */
    void checkBeforeWork(List<Path> inputs, Path report) {
        requireOutput();
        List<Path> all = new ArrayList<>(inputs);
        if (report != null) all.add(report);
        OutputDir.check(output, force, all);
        if (report != null) OutputFile.check("--report", report, inputs, output);
    }

    /** mergekit's positional OUT_DIR (null when not given), the same as --output: the two, both given, must agree. */
    void orPositional(Path outDir) {
        if (outDir != null && output != null && !outDir.equals(output)) {
            throw new CocktailException("two output directories: " + outDir + " and --output " + output + ".");
        }
        if (outDir != null) output = outDir;
    }

    Output toOutput() {
        requireOutput();
        return new Output(output, force, shardSize, hashInputs);
    }

    private void requireOutput() {
        if (output == null) throw new CocktailException("give the output directory: --output DIR.");
    }
}
