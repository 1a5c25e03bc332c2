package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.models.Embeddings;
import dev.cocktail.models.Examples;
import dev.cocktail.models.Pooling;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.StringJoiner;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "embed", description = "Normalized sentence embeddings of texts with a BERT or XLM-RoBERTa model.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail embed BAAI/bge-small-en-v1.5 --text \"hello world\" \"good bye\" --json", "  cocktail embed MODEL --input texts.jsonl", "  echo '\"some text\"' | cocktail embed MODEL --input -"})
final class EmbedCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", description = "BERT or XLM-RoBERTa model directory or Hugging Face repo id in the local cache.")
    String model;

    static final class Input {
        @Option(names = "--text", arity = "1..*", paramLabel = "T", description = "Texts to embed.")
        List<String> texts;

        @Option(names = "--input", paramLabel = "FILE.jsonl",
                description = "JSON Lines (or a JSON array) of strings or of {\"text\": ...} objects; - reads standard input.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--pooling", paramLabel = "cls|mean", description = "Default: the model's 1_Pooling/config.json, else cls.")
    String pooling;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        ModelDir dir = ModelDir.resolve(model);
        List<String> texts = input.texts != null ? input.texts : Examples.texts(input.file);
        Pooling mode = pooling != null ? Pooling.parse(pooling) : Pooling.of(dir.path());
        List<float[]> embeddings = Embeddings.compute(dir, texts, mode, TerminalProgress.forTerminal());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode all = o.putArray("embeddings");
            for (float[] e : embeddings) {
                ArrayNode a = all.addArray();
                for (float v : e) a.add(v);
            }
            out.println(o.toString());
        } else {
            for (float[] e : embeddings) {
                StringJoiner line = new StringJoiner(" ");
                for (float v : e) line.add(Float.toString(v));
                out.println(line);
            }
        }
        out.flush();
    }
}
