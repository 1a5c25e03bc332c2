package dev.cocktail.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.OutputFile;
import dev.cocktail.engine.Progress;
import dev.cocktail.models.Scoring;
import dev.cocktail.search.CandidateEvaluator;
import dev.cocktail.search.Objective;
import dev.cocktail.search.Search;
import dev.cocktail.search.SearchPlot;
import dev.cocktail.search.SearchReport;
import dev.cocktail.search.Space;
import dev.cocktail.search.Strategy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `cocktail search`: the best merge of a space on validation data, then that merge written as mix/extrapolate/merge would. */
@Command(name = "search", description = "Search a merge space on validation data; write the best candidate and the recipe that reproduces it.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail search BASE FT1 FT2 --space exme --data target.jsonl --data general.jsonl --output DIR",
                "  cocktail search BASE FT1 FT2 --space weights --strategy cmaes --budget 40 --seed 42 --data target.jsonl --output DIR",
                "  cocktail search BASE FT1 FT2 --space cocktail --metric accuracy --data target.jsonl --plot search.svg --output DIR",
                "  cocktail search --space recipe.yml --data target.jsonl --output DIR   # recipe.yml: weight: [0.1, 0.9], density: [0.2, 1.0]",
                "",
                "Spaces: exme (one alpha per fine-tuned model in [0, 1], then weights on the simplex), cocktail",
                "(LM-Cocktail's temperature in [0.1, 10] and two-step alpha in [0, 1]), weights (every model's weight",
                "on the simplex), or a mergekit recipe whose parameters given as [low, high] are searched.",
                "Weights on the simplex are searched as free numbers in [0, 1] normalised by their sum."})
final class SearchCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", arity = "0..*",
            description = "The models: for exme the base, then the fine-tuned ones; none with a recipe, which names its own.")
    List<String> models = new ArrayList<>();

    @Option(names = "--space", required = true, paramLabel = "exme|cocktail|weights|RECIPE.yml", description = "What is searched.")
    String space;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Validation examples; repeat for several files.")
    List<Path> data;

    @Option(names = "--data-weight", split = ",", paramLabel = "W", description = "One weight per --data file in the objective (default: equal).")
    double[] dataWeights;

    @Option(names = "--metric", defaultValue = "loss", paramLabel = "loss|accuracy",
            description = "The LM-Cocktail loss (as `score`), or greedy exact-match accuracy (decoders, as `eval --generate`); default ${DEFAULT-VALUE}.")
    String metric;

    @Option(names = "--strategy", defaultValue = "grid", paramLabel = "grid|cmaes", description = "An even grid, or CMA-ES (default ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--budget", defaultValue = "20", paramLabel = "N", description = "Candidates at most (default ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of CMA-ES and of the negative sampling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--select", defaultValue = "0", paramLabel = "K", description = "exme: keep the K best fine-tuned models by the objective first.")
    int select;

    @Option(names = "--finetuned", paramLabel = "MODEL", description = "cocktail: the two-step recipe's fine-tuned model (default: the second model).")
    String finetuned;

    @Option(names = "--type", paramLabel = "decoder|encoder|reranker|encoder-decoder", description = "Default: from the first model's config.json.")
    String type;

    @Mixin
    BatchOptions batch;

    @Option(names = "--neg-number", defaultValue = "7", description = "Negatives per encoder or reranker example (default ${DEFAULT-VALUE}).")
    int negNumber;

    @Option(names = "--max-new-tokens", defaultValue = "16", description = "accuracy: tokens generated per input at most (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--parallel", defaultValue = "8", paramLabel = "N", description = "accuracy: inputs decoded together (default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--dtype", paramLabel = "f32|bf16|f16", description = "Output dtype (default: the inputs').")
    String dtype;

    @Option(names = "--json", description = "Print the table as one JSON object.")
    boolean json;

    @Option(names = "--plot", paramLabel = "FILE.svg", description = "Draw each data file's figure and the objective against the searched parameters.")
    Path plot;

    @Mixin
    OutputOptions target;

    @Spec
    CommandSpec spec;

    @ParentCommand
    Cocktail parent;

    @Override
    public void run() {
        BatchOptions b = batch.checked();
        Objective objective = new Objective(Objective.Metric.parse(metric), data, dataWeights,
                new Scoring.Options(type == null ? null : Scoring.Type.parse(type), Scoring.Options.DEFAULTS.temperature(),
                        b.batchSize, b.maxLength, negNumber, seed), maxNewTokens, parallel);
        Search.Request request = new Search.Request(models, space, Strategy.parse(strategy), budget, seed, select, finetuned,
                dtype == null ? null : DType.fromOption(dtype), objective);
        List<Path> inputs = new ArrayList<>(data);
        models.forEach(m -> inputs.add(ModelDir.resolve(m).path()));
        if (finetuned != null) inputs.add(ModelDir.resolve(finetuned).path());
        if (space.endsWith(".yml") || space.endsWith(".yaml")) inputs.add(Path.of(space));
        target.checkBeforeWork(inputs, null);
        if (plot != null) OutputFile.check("--plot", plot, inputs, target.output);
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = TerminalProgress.forTerminal();
        try (Space s = Search.open(request); CandidateEvaluator evaluator = Search.evaluator(objective, s)) {
            Search.Result result;
            progress.start("search", Search.candidates(request, s), "candidates");
            PrintWriter err = spec.commandLine().getErr();
            long[] last = {System.nanoTime()};
            try {
                result = Search.run(request, s, evaluator, (done, total, best) -> {
                    long now = System.nanoTime();
                    if (parent != null && parent.verbose) { // how long each candidate took, for benchmarks
                        err.printf(java.util.Locale.ROOT, "candidate %d of %d: %.3f s%n", done, total, (now - last[0]) / 1e9);
                        err.flush();
                    }
                    last[0] = now;
                    progress.advance(1);
                    if (progress instanceof TerminalProgress t) t.note("best " + String.format(java.util.Locale.ROOT, "%.6f", best.objective()) + " (#" + best.index() + ")");
                });
            } finally {
                progress.finish();
            }
            Search.writeBest(result, s, target.toOutput(), Cocktail.version());
            String command = Search.command(result, s, target.output.toString());
            if (plot != null) write(plot, SearchPlot.svg(result));
            if (json) {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(SearchReport.json(result, s, command)));
            } else {
                SearchReport.table(out, result);
                out.println("best: " + command);
                out.println("wrote " + target.output);
            }
            out.flush();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the report cannot be written as JSON", e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new CocktailException(file + ": cannot be written (" + CocktailException.reason(e) + ").", e);
        }
    }
}
