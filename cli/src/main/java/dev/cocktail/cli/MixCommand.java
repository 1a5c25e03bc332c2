package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.merge.Mix;
import dev.cocktail.merge.OpenModels;
import dev.cocktail.merge.Weights;
import dev.cocktail.models.Scoring;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `cocktail mix`: LM-Cocktail's weighted average of models, optionally the two-step recipe with a fine-tuned model. */
@Command(name = "mix", description = "LM-Cocktail: merge models by weights, given or computed from few-shot examples: sum_i w_i * model_i.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail mix BASE FT PEER --data fewshot.jsonl --output DIR      # weights from few-shot losses", "  cocktail mix BASE FT PEER --weights 0.2,0.6,0.2 --output DIR     # weights given, comma-separated", "  cocktail mix BASE FT PEER --data fewshot.jsonl --finetuned FT --alpha 0.5 --output DIR", "  head -5 task.jsonl | cocktail mix BASE FT --data - --output DIR  # examples from standard input"})
final class MixCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", arity = "1..*", description = "Model directories or cached repo ids, or MODEL+LORA (a PEFT LoRA adapter applied to the model); the first gives config and tokenizer.")
    List<String> models;

    @Option(names = "--weights", split = ",", paramLabel = "W", description = "One weight per model, summing to 1.")
    double[] weights;

    @Option(names = "--data", paramLabel = "FILE",
            description = "Few-shot examples of the target task: weights = softmax(-loss / T) of each model's loss on them; - reads standard input.")
    Path data;

    @Mixin
    ScoringOptions scoring;

    @Option(names = "--dtype", paramLabel = "f32|bf16|f16", description = "Output dtype (default: the first model's).")
    String dtype;

    @Option(names = "--finetuned", paramLabel = "MODEL", description = "Two-step recipe: alpha * MODEL + (1 - alpha) * mix.")
    String finetuned;

    @Option(names = "--alpha", paramLabel = "A", description = "The fine-tuned model's share in the two-step recipe.")
    Double alpha;

    @Option(names = "--allow-unnormalized", description = "Accept weights that do not sum to 1.")
    boolean allowUnnormalized;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Write the models and weights used as JSON.")
    Path report;

    @Mixin
    OutputOptions target;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        if ((weights == null) == (data == null)) throw new CocktailException("give either --weights W1,W2,... or --data FILE, not both or neither.");
        if (weights != null) {
            for (String m : models) {
                if (m.matches("[-+]?[0-9.]+([eE][-+]?[0-9]+)?") && !Files.exists(Path.of(m))) {
                    throw new CocktailException("--weights takes one comma-separated list, such as --weights 0.5,0.5 ('" + m + "' is not a model).");
                }
            }
        }
        if ((finetuned == null) != (alpha == null)) throw new CocktailException("--finetuned and --alpha go together.");
        DType d = dtype == null ? null : DType.fromOption(dtype);
        List<ModelDir> dirs = models.stream().map(ModelDir::resolve).toList();
        ModelDir tuned = finetuned == null ? null : ModelDir.resolve(finetuned);
        List<Path> inputs = new ArrayList<>(dirs.stream().map(ModelDir::path).toList());
        if (tuned != null) inputs.add(tuned.path());
        if (data != null) inputs.add(data);
        target.checkBeforeWork(inputs, report);
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = TerminalProgress.forTerminal();
        ObjectNode reportJson;
        // mapped once: scoring reads the weights, then the merge reads the same mapping
        try (OpenModels open = OpenModels.open(Mix.inputs(dirs, tuned))) {
            float[] w;
            Mix.Scores scores = null;
            if (data != null) {
                Scoring.Result scored = Scoring.score(dirs, open.checkpoints().subList(0, dirs.size()), data, scoring.toOptions(), progress);
                ScoreReport.table(out, scored);
                out.flush();
                w = scored.weights();
                scores = new Mix.Scores(scored.losses(), scored.temperature());
                reportJson = ScoreReport.json(scored);
            } else {
                w = Weights.of(weights);
                reportJson = ScoreReport.json(models, null, weights, null);
            }
            Mix.mix(new Mix.Request(dirs, w, allowUnnormalized, tuned, alpha == null ? 0 : alpha, d, target.toOutput(), scores),
                    open, progress, Cocktail.version());
        }
        if (report != null) ScoreReport.write(report, reportJson);
        out.println("wrote " + target.output);
        out.flush();
    }
}
