package dev.cocktail.cli;

import dev.cocktail.models.Scoring;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** LM-Cocktail's scoring options, shared by `score` and `mix --data`; the batch options also by `eval`. */
final class ScoringOptions {
    @Option(names = "--type", paramLabel = "decoder|encoder", description = "Default: from the first model's config.json.")
    String type;

    @Option(names = "--temperature", defaultValue = "5.0", description = "T in softmax(-loss / T) (default ${DEFAULT-VALUE}).")
    double temperature;

    @Mixin
    BatchOptions batch;

    @Option(names = "--neg-number", defaultValue = "7", description = "Negatives per encoder example (default ${DEFAULT-VALUE}).")
    int negNumber;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the negative sampling (default ${DEFAULT-VALUE}).")
    long seed;

    Scoring.Options toOptions() {
        BatchOptions b = batch.checked();
        return new Scoring.Options(type == null ? null : Scoring.Type.parse(type), temperature, b.batchSize, b.maxLength,
                negNumber, seed);
    }
}
