package dev.cocktail.cli;

import dev.cocktail.merge.MergekitMerge;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `cocktail merge`: a mergekit YAML recipe. */
@Command(name = "merge", description = "Merge models with a mergekit YAML recipe (linear, ties, dare, slerp, ...).",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail merge examples/ties.yml --output /tmp/ties"})
final class MergeCommand implements Runnable {
    @Parameters(paramLabel = "CONFIG.yml", description = "The mergekit recipe.")
    Path config;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random methods (DARE, DELLA); default 42.")
    long seed;

    @Mixin
    OutputOptions target;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        MergekitMerge.merge(new MergekitMerge.Request(config, target.toOutput(), seed),
                TerminalProgress.forTerminal(), Cocktail.version());
        spec.commandLine().getOut().println("wrote " + target.output);
        spec.commandLine().getOut().flush();
    }
}
