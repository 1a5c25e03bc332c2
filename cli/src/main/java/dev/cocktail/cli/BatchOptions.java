package dev.cocktail.cli;

import dev.cocktail.engine.CocktailException;
import picocli.CommandLine.Option;

/** How examples are batched and cut to length: part of the scoring options, and `eval`'s. */
final class BatchOptions {
    @Option(names = "--batch-size", defaultValue = "2", description = "Examples per batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-length", defaultValue = "2048", description = "Tokens per text at most (default ${DEFAULT-VALUE}).")
    int maxLength;

    /** Itself, once its values are checked. */
    BatchOptions checked() {
        if (batchSize < 1) throw new CocktailException("--batch-size must be at least 1, not " + batchSize + ".");
        if (maxLength < 2) throw new CocktailException("--max-length must be at least 2, not " + maxLength + ".");
        return this;
    }
}
