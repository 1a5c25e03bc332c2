package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.models.Examples;
import dev.cocktail.models.Reranking;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rerank", description = "Relevance scores of (query, passage) pairs with a cross-encoder reranker (bge-reranker, ms-marco cross-encoders).",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail rerank BAAI/bge-reranker-base --query \"what is panda?\" --passages passages.txt   # best first",
                "  cocktail rerank MODEL --input pairs.jsonl --json --normalize   # {\"query\",\"passage\"} lines, scores in input order"})
final class RerankCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", description = "Reranker directory (*ForSequenceClassification, num_labels 1) or cached repo id.")
    String model;

    static final class Input {
        @ArgGroup(exclusive = false)
        Query query;

        @Option(names = "--input", paramLabel = "PAIRS.jsonl", description = "JSON Lines of {\"query\": ..., \"passage\": ...}: scores in input order.")
        Path pairs;
    }

    static final class Query {
        @Option(names = "--query", required = true, paramLabel = "Q", description = "The query.")
        String text;

        @Option(names = "--passages", required = true, paramLabel = "FILE", description = "One passage per line (blank lines skipped): printed best first.")
        Path passages;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--max-length", defaultValue = "0", paramLabel = "N",
            description = "Tokens per pair at most, special tokens included; longer pairs lose tokens from the longer text first (default: the model's limit).")
    int maxLength;

    @Option(names = "--normalize", description = "Sigmoid of the scores (a probability of relevance) instead of raw logits.")
    boolean normalize;

    @Option(names = "--json", description = "Print {\"scores\": [...]} in input order.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        ModelDir dir = ModelDir.resolve(model);
        List<Examples.Pair> pairs = input.pairs != null ? Examples.pairs(input.pairs)
                : passages(input.query.passages).stream().map(p -> new Examples.Pair(input.query.text, p)).toList();
        float[] scores = Reranking.scores(dir, pairs, maxLength, TerminalProgress.forTerminal());
        if (normalize) for (int i = 0; i < scores.length; i++) scores[i] = Reranking.sigmoid(scores[i]);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode a = o.putArray("scores");
            for (float s : scores) a.add(s);
            out.println(o.toString());
        } else if (input.pairs != null) {
            for (float s : scores) out.println(s);
        } else {
            // best first; equal scores keep the file's order
            IntStream.range(0, scores.length).boxed().sorted(Comparator.comparingDouble(i -> -scores[i]))
                    .forEach(i -> out.println(scores[i] + "\t" + pairs.get(i).passage()));
        }
        out.flush();
    }

    private static List<String> passages(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        } catch (NoSuchFileException e) {
            throw new CocktailException(file + ": no such file.");
        } catch (IOException e) {
            throw new CocktailException(file + ": cannot be read (" + e.getMessage() + ").", e);
        }
        if (lines.isEmpty()) throw new CocktailException(file + ": holds no passages.");
        return lines;
    }
}
