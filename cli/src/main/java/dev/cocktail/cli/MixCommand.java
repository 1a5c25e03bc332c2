package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.merge.Mix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `cocktail mix`: LM-Cocktail's weighted average of models, optionally the two-step recipe with a fine-tuned model. */
@Command(name = "mix", description = "Merge models by weights, LM-Cocktail style: sum_i w_i * model_i.")
final class MixCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", arity = "1..*", description = "Model directories or cached repo ids; the first gives config and tokenizer.")
    List<String> models;

    @Option(names = "--weights", split = ",", paramLabel = "W", description = "One weight per model, summing to 1.")
    double[] weights;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Where the merged model goes.")
    Path output;

    @Option(names = "--dtype", paramLabel = "f32|bf16|f16", description = "Output dtype (default: the first model's).")
    String dtype;

    @Option(names = "--shard-size", paramLabel = "SIZE", defaultValue = "5GB", converter = MergeSize.class,
            description = "Largest weights file (default 5GB).")
    long shardSize;

    @Option(names = "--finetuned", paramLabel = "MODEL", description = "Two-step recipe: alpha * MODEL + (1 - alpha) * mix.")
    String finetuned;

    @Option(names = "--alpha", paramLabel = "A", description = "The fine-tuned model's share in the two-step recipe.")
    Double alpha;

    @Option(names = "--allow-unnormalized", description = "Accept weights that do not sum to 1.")
    boolean allowUnnormalized;

    @Option(names = "--force", description = "Replace an existing output directory.")
    boolean force;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Write the models and weights used as JSON.")
    Path report;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        if (weights == null) throw new CocktailException("give the merge weights with --weights W1,W2,...");
        if ((finetuned == null) != (alpha == null)) throw new CocktailException("--finetuned and --alpha go together.");
        DType d = dtype == null ? null : DType.fromOption(dtype);
        Mix.mix(new Mix.Request(models, weights, allowUnnormalized, finetuned, alpha == null ? 0 : alpha, d, output, force,
                shardSize), TerminalProgress.forTerminal(), Cocktail.version());
        if (report != null) writeReport();
        spec.commandLine().getOut().println("wrote " + output);
        spec.commandLine().getOut().flush();
    }

    /** SPEC section 8's report; losses and temperature are null when the weights were given. */
    private void writeReport() {
        ObjectNode r = Json.MAPPER.createObjectNode();
        ArrayNode ms = r.putArray("models");
        for (String m : models) ms.addObject().put("path", m).putNull("loss");
        ArrayNode ws = r.putArray("weights");
        for (double w : weights) ws.add(w);
        r.putNull("temperature");
        try {
            Json.writeFile(report, r);
        } catch (IOException e) {
            throw new CocktailException("cannot write the report " + report + ": " + e.getMessage() + ".", e);
        }
    }
}
