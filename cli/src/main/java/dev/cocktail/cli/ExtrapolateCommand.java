package dev.cocktail.cli;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.merge.Extrapolation;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `cocktail extrapolate`: ExPO, theta_m + alpha (theta_m - theta_base), for one or several models. */
@Command(name = "extrapolate", description = "Extrapolate fine-tuned models away from their base (ExPO), then merge them by weights.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail extrapolate --base BASE FT --alpha 0.3 --output DIR", "  cocktail extrapolate --base BASE FT1 FT2 --alpha 0.3 --weights 0.5,0.5 --output DIR", "  cocktail extrapolate --base BASE FT1 FT2 --alpha 0.2,0.4 --weights 0.6,0.4 --output DIR   # one alpha per model"})
final class ExtrapolateCommand implements Runnable {
    @Option(names = "--base", required = true, paramLabel = "B", description = "The model the others were fine-tuned from.")
    String base;

    @Parameters(paramLabel = "MODEL", arity = "1..*", description = "Fine-tuned models, or MODEL+LORA (a PEFT LoRA adapter applied to the model); the first gives config and tokenizer.")
    List<String> models;

    @Option(names = "--alpha", defaultValue = "0.3", split = ",", paramLabel = "A",
            description = "Extrapolation strength: one for every model, or one per model, comma-separated (default 0.3).")
    double[] alpha;

    @Option(names = "--weights", split = ",", paramLabel = "W", description = "One weight per model, summing to 1 (default: equal).")
    double[] weights;

    @Option(names = "--dtype", paramLabel = "f32|bf16|f16", description = "Output dtype (default: the first model's).")
    String dtype;

    @Mixin
    OutputOptions target;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        DType d = dtype == null ? null : DType.fromOption(dtype);
        Extrapolation.extrapolate(new Extrapolation.Request(ModelDir.resolve(base), models.stream().map(ModelDir::resolve).toList(),
                        alpha, weights, d, target.toOutput()),
                TerminalProgress.forTerminal(), Cocktail.version());
        spec.commandLine().getOut().println("wrote " + target.output);
        spec.commandLine().getOut().flush();
    }
}
