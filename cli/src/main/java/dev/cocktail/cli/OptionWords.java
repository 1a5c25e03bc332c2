package dev.cocktail.cli;

import dev.cocktail.engine.CocktailException;
import java.util.Map;

/**
 * The library names the settings of a request in words, since Java callers read its messages too;
 * on the command line those words become the option that sets them ("the batch size must be at
 * least 1" reads "--batch-size must be at least 1", "allow replacing it" reads "use --force to
 * replace it").
 */
final class OptionWords {
    private OptionWords() {}

    private static final Map<String, String> OPTIONS = Map.ofEntries(
            Map.entry("the shard size", "--shard-size"),
            Map.entry("the output directory", "--output"),
            Map.entry("allow replacing it", "use --force to replace it"),
            Map.entry("allow replacing its model", "use --force to replace its model"),
            Map.entry("alpha", "--alpha"),
            Map.entry("allow unnormalized weights", "pass --allow-unnormalized"),
            Map.entry("the rank", "--rank"),
            Map.entry("the maximum length", "--max-length"),
            Map.entry("a maximum length of", "--max-length"),
            Map.entry("the pooling", "--pooling"),
            Map.entry("the model type", "--type"),
            Map.entry("the temperature", "--temperature"),
            Map.entry("the batch size", "--batch-size"),
            Map.entry("the number of negatives", "--neg-number"),
            Map.entry("the space", "--space"),
            Map.entry("the selection", "--select"),
            Map.entry("the metric", "--metric"),
            Map.entry("the strategy", "--strategy"),
            Map.entry("the budget", "--budget"),
            Map.entry("the data", "--data"),
            Map.entry("data file", "--data file"),
            Map.entry("the data weight", "--data-weight"),
            Map.entry("data weights", "--data-weight values"),
            Map.entry("the data weights", "the --data-weight values"),
            Map.entry("the number of new tokens", "--max-new-tokens"),
            Map.entry("the number of parallel sequences", "--parallel"),
            Map.entry("allow identical experts", "pass --i-understand-this-is-not-useful-without-training"));

    /** The message as the command line shows it: the setting's words replaced by its option, where it has one. */
    static String message(CocktailException e) {
        String words = e.setting(), option = words == null ? null : OPTIONS.get(words);
        if (option == null) return e.getMessage();
        int at = e.getMessage().indexOf(words);
        return e.getMessage().substring(0, at) + option + e.getMessage().substring(at + words.length());
    }
}
