package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.models.Evaluation;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "eval", description = "A decoder's loss and perplexity on {\"input\",\"output\"} examples, and with --generate its greedy exact-match accuracy.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail eval examples/models/base --data examples/eval/sort.jsonl --generate", "  cocktail eval MODEL --data - --json < examples.jsonl"})
final class EvalCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", description = "Model directory or Hugging Face repo id in the local cache.")
    String model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Examples, JSON Lines or a JSON array of {\"input\",\"output\"}; - reads standard input.")
    Path data;

    @Option(names = "--generate", description = "Also decode each input greedily and count exact matches with its output.")
    boolean generate;

    @Option(names = "--max-new-tokens", defaultValue = "16", description = "Tokens generated per input at most (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--parallel", defaultValue = "8", paramLabel = "N",
            description = "With --generate, examples decoded together, each weight read once per step for all of them; the output is the same for any N (default ${DEFAULT-VALUE}).")
    int parallel;

    @Mixin
    BatchOptions batch;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        BatchOptions b = batch.checked();
        if (maxNewTokens < 1) throw new CocktailException("--max-new-tokens must be at least 1, not " + maxNewTokens + ".");
        if (parallel < 1) throw new CocktailException("--parallel must be at least 1, not " + parallel + ".");
        Evaluation.Result r = Evaluation.run(ModelDir.resolve(model), data, b.batchSize, b.maxLength, maxNewTokens, generate,
                parallel, TerminalProgress.forTerminal());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("model", r.model()).put("examples", r.examples()).put("loss", r.loss()).put("perplexity", r.perplexity());
            r.accuracy().ifPresent(a -> o.put("accuracy", a));
            out.println(o.toString());
        } else {
            out.printf("model       %s%n", r.model());
            out.printf("examples    %d%n", r.examples());
            out.printf("loss        %.6f%n", r.loss());
            out.printf("perplexity  %.4f%n", r.perplexity());
            r.accuracy().ifPresent(a -> out.printf("accuracy    %.1f%% (%d of %d exact matches)%n",
                    100 * a, Math.round(a * r.examples()), r.examples()));
        }
        out.flush();
    }
}
