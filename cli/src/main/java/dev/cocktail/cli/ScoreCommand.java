package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.models.Scoring;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "score", description = "LM-Cocktail: each model's loss on few-shot examples, and the merge weights softmax(-loss / T).")
final class ScoreCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", arity = "1..*", description = "Model directories or Hugging Face repo ids; the first one's tokenizer is used.")
    List<String> models;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Examples, JSON Lines or a JSON array: {\"input\",\"output\"} for decoders, {\"query\",\"pos\",\"neg\"} for encoders.")
    Path data;

    @Option(names = "--type", paramLabel = "decoder|encoder", description = "Default: from the first model's config.json.")
    String type;

    @Option(names = "--temperature", defaultValue = "5.0", description = "T in softmax(-loss / T) (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--batch-size", defaultValue = "2", description = "Examples per batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-length", defaultValue = "2048", description = "Tokens per text at most (default ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--neg-number", defaultValue = "7", description = "Negatives per encoder example (default ${DEFAULT-VALUE}).")
    int negNumber;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the negative sampling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        Scoring.Options options = new Scoring.Options(type == null ? null : Scoring.Type.parse(type),
                temperature, batchSize, maxLength, negNumber, seed);
        Scoring.Result r = Scoring.score(models.stream().map(ModelDir::resolve).toList(), data, options,
                TerminalProgress.forTerminal());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode ms = o.putArray("models");
            for (int i = 0; i < r.losses().length; i++) ms.addObject().put("path", r.models().get(i)).put("loss", r.losses()[i]);
            ArrayNode ws = o.putArray("weights");
            for (float w : r.weights()) ws.add(w);
            o.put("temperature", r.temperature());
            out.println(o.toString());
        } else {
            int width = Math.max(5, r.models().stream().mapToInt(String::length).max().orElse(5));
            out.printf("%-" + width + "s  %12s  %10s%n", "model", "loss", "weight");
            for (int i = 0; i < r.losses().length; i++) {
                out.printf("%-" + width + "s  %12.6f  %10.6f%n", r.models().get(i), r.losses()[i], r.weights()[i]);
            }
            out.printf("%s scoring, temperature %s%n", r.type().name().toLowerCase(java.util.Locale.ROOT), r.temperature());
        }
        out.flush();
    }
}
