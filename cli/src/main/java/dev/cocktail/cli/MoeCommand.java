package dev.cocktail.cli;

import dev.cocktail.engine.ModelDir;
import dev.cocktail.merge.LayerInputs;
import dev.cocktail.merge.MoeMerge;
import dev.cocktail.models.Llama;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `cocktail moe`: a mergekit-moe YAML recipe, dense experts into a Mixtral or (with a shared expert) a Qwen2-MoE. */
@Command(name = "moe", description = "Build a Mixtral (or, with a shared expert, Qwen2-MoE) mixture of experts from dense models with a mergekit-moe YAML recipe.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail moe moe.yml --output /tmp/moe", "  cocktail moe moe.yml OUT_DIR   # as mergekit-moe"})
final class MoeCommand implements Runnable {
    @Parameters(index = "0", paramLabel = "RECIPE.yml", description = "The mergekit-moe recipe.")
    Path recipe;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OUT_DIR", description = "Where the model goes (or --output DIR).")
    Path outDir;

    @Option(names = "--i-understand-this-is-not-useful-without-training",
            description = "Build even when every expert is the same model (as mergekit-moe).")
    boolean allowAllSame;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random gate modes; default 42.")
    long seed;

    @Mixin
    OutputOptions target;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        target.orPositional(outDir);
        target.checkBeforeWork(List.of(recipe), null);
        MoeMerge.build(new MoeMerge.Request(recipe, target.toOutput(), seed, allowAllSame, MoeCommand::forward), TerminalProgress.forTerminal(),
                Cocktail.version());
        spec.commandLine().getOut().println("wrote " + target.output);
        spec.commandLine().getOut().flush();
    }

    /** The routers' forward pass: models' decoder over the base model. */
    private static LayerInputs forward(ModelDir dir) {
        Llama model = Llama.load(dir);
        return LayerInputs.of(model::layerInputs, model::close);
    }
}
