package dev.cocktail.cli;

import dev.cocktail.merge.CocktailJson;
import dev.cocktail.merge.MergekitMerge;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `cocktail merge`: a mergekit YAML recipe. */
@Command(name = "merge", description = {"Merge models with a mergekit YAML recipe (linear, ties, dare, slerp, ...),",
        "or redo a mix or an extrapolation from the cocktail.json in its output folder."},
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail merge examples/ties.yml /tmp/ties", "  cocktail merge examples/ties.yml --output /tmp/ties --shard-size 2GB",
                "  cocktail merge recipe.yml OUT_DIR --out-shard-size 1B --copy-tokenizer   # as mergekit-yaml",
                "  cocktail merge MIXED/cocktail.json AGAIN                                 # the same mix, to the same bytes"})
final class MergeCommand implements Runnable {
    @Parameters(index = "0", paramLabel = "CONFIG.yml", description = "The mergekit recipe, or a cocktail.json that a mix or an extrapolation wrote.")
    Path config;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OUT_DIR", description = "Where the merged model goes (or --output DIR).")
    Path outDir;

    @Option(names = "--copy-tokenizer", description = "Accepted for mergekit-yaml's sake: the tokenizer (tokenizer_source, else the base's) is always copied.")
    boolean copyTokenizer;

    @Option(names = "--allow-crimes", description = "Accepted for mergekit-yaml's sake: nothing here is refused as a crime (mixed architectures are refused anyway).")
    boolean allowCrimes;

    @Option(names = "--lazy-unpickle", description = "Accepted for mergekit-yaml's sake: inputs are memory-mapped safetensors, never unpickled.")
    boolean lazyUnpickle;

    @Option(names = "--cuda", description = "Accepted for mergekit-yaml's sake: the merge runs on the CPU.")
    boolean cuda;

    @Option(names = "--out-shard-size", paramLabel = "COUNT", converter = ParameterCount.class,
            description = "mergekit-yaml's shard size, in parameters: K a thousand, M a million, B a billion (5B: five billion "
                    + "parameters, 10 GB in BF16); instead of --shard-size, which counts bytes.")
    Long outShardSize;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random methods (DARE, DELLA); default 42.")
    long seed;

    @Mixin
    OutputOptions target;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        target.orPositional(outDir);
        if (cuda) spec.commandLine().getErr().println("cocktail: --cuda: no GPU is used; the merge runs on the CPU.");
        target.checkBeforeWork(List.of(config), null);
        if (config.getFileName() != null && config.getFileName().toString().endsWith(".json")) {
            CocktailJson.redo(config, target.toOutput(), TerminalProgress.forTerminal(), Cocktail.version());
        } else {
            MergekitMerge.merge(new MergekitMerge.Request(config, target.toOutput(), seed, outShardSize == null ? 0 : outShardSize),
                    TerminalProgress.forTerminal(), Cocktail.version());
        }
        spec.commandLine().getOut().println("wrote " + target.output);
        spec.commandLine().getOut().flush();
    }
}
