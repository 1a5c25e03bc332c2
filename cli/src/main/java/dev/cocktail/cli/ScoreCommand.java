package dev.cocktail.cli;

import dev.cocktail.engine.ModelDir;
import dev.cocktail.models.Scoring;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "score", description = "LM-Cocktail: each model's loss on few-shot examples, and the merge weights softmax(-loss / T).",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail score BASE FT PEER --data fewshot.jsonl", "  cocktail score BASE FT --data fewshot.jsonl --temperature 2 --json"})
final class ScoreCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", arity = "1..*", description = "Model directories or Hugging Face repo ids; the first one's tokenizer is used.")
    List<String> models;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Examples, JSON Lines or a JSON array: {\"input\",\"output\"} for decoders, {\"query\",\"pos\",\"neg\"} for encoders and rerankers; - reads standard input.")
    Path data;

    @Mixin
    ScoringOptions scoring;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        Scoring.Result r = Scoring.score(models.stream().map(ModelDir::resolve).toList(), data, scoring.toOptions(),
                TerminalProgress.forTerminal());
        PrintWriter out = spec.commandLine().getOut();
        if (json) out.println(ScoreReport.json(r).toString());
        else ScoreReport.table(out, r);
        out.flush();
    }
}
