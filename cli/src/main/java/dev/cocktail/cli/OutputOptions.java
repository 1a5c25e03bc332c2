package dev.cocktail.cli;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.merge.Output;
import java.nio.file.Path;
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

    Output toOutput() {
        if (output == null) throw new CocktailException("give the output directory: --output DIR.");
        return new Output(output, force, shardSize, hashInputs);
    }
}
