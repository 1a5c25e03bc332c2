package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.models.Examples;
import dev.cocktail.tokenizer.Encoding;
import dev.cocktail.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tokenize", description = "Show the token ids and tokens a model's tokenizer.json gives for text.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail tokenize examples/models/base --text \"add 23 58\"", "  cocktail tokenize MODEL --input texts.jsonl --json", "  echo '{\"text\": \"hi\"}' | cocktail tokenize MODEL --input -"})
final class TokenizeCommand implements Runnable {
    @Parameters(paramLabel = "TOKENIZER_OR_MODEL", description = "A tokenizer.json, or the model directory holding it.")
    Path tokenizer;

    static final class Input {
        @Option(names = "--text", arity = "1..*", paramLabel = "T", description = "Texts to tokenize.")
        List<String> texts;

        @Option(names = "--input", paramLabel = "FILE.jsonl",
                description = "JSON Lines (or a JSON array) of strings or of {\"text\": ...} objects, a \"text_pair\" making a pair; - reads standard input.")
        Path file;
    }

    @Option(names = "--pair", paramLabel = "T", description = "With --text: a second text, encoded with the first as a pair (as a reranker reads a query and a passage).")
    String pair;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--no-special", description = "Do not add special tokens (such as <s> or [CLS]).")
    boolean noSpecial;

    @Option(names = "--json", description = "Print one {\"ids\": [..], \"tokens\": [..]} object per text (and \"type_ids\" for a pair).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        if (pair != null && (input.texts == null || input.texts.size() != 1)) {
            throw new CocktailException("--pair goes with one --text; lines of --input carry their own \"text_pair\"");
        }
        Tokenizer t = Tokenizer.load(tokenizer);
        List<Examples.Text> texts = input.texts != null ? input.texts.stream().map(x -> new Examples.Text(x, pair)).toList()
                : Examples.textsAndPairs(input.file);
        PrintWriter out = spec.commandLine().getOut();
        for (int i = 0; i < texts.size(); i++) {
            Examples.Text text = texts.get(i);
            Encoding e = text.pair() == null ? t.encode(text.text(), !noSpecial) : t.encodePair(text.text(), text.pair(), !noSpecial);
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode ids = o.putArray("ids");
            for (int id : e.ids()) ids.add(id);
            ArrayNode tokens = o.putArray("tokens");
            e.tokens().forEach(tokens::add);
            ArrayNode types = text.pair() == null ? null : o.putArray("type_ids");
            if (types != null) for (int type : e.typeIds()) types.add(type);
            if (json) {
                out.println(o);
            } else {
                if (i > 0) out.println();
                // Tokens are JSON-quoted so that spaces, newlines and controls inside them stay visible.
                out.println("ids     " + ids);
                out.println("tokens  " + tokens);
                if (types != null) out.println("types   " + types);
            }
        }
        out.flush();
    }
}
