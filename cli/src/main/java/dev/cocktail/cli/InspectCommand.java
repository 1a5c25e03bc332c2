package dev.cocktail.cli;

import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.ModelSummary;
import dev.cocktail.engine.TensorSpec;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", description = "Show a model's architecture, parameter count, dtypes and shards.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail inspect examples/models/base", "  cocktail inspect BAAI/bge-small-en-v1.5 --json"})
final class InspectCommand implements Runnable {
    @Parameters(paramLabel = "MODEL", description = "Model directory or Hugging Face repo id in the local cache.")
    String model;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @ParentCommand
    Cocktail parent;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        ModelSummary s = ModelSummary.of(ModelDir.resolve(model));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.MAPPER.createObjectNode().put("model", s.model()).setAll(s.toJson()).toString());
        } else {
            out.printf("model         %s%n", s.model());
            out.printf("architecture  %s%n", s.architecture());
            out.printf("model_type    %s%n", s.modelType());
            out.printf("parameters    %,d%n", s.parameters());
            out.printf("tensors       %d%n", s.tensors().size());
            out.printf("shards        %d%n", s.shards());
            for (Map.Entry<String, Long> e : s.bytesByDtype().entrySet()) {
                out.printf("%-13s %,d bytes%n", e.getKey(), e.getValue());
            }
            if (parent.verbose) {
                for (TensorSpec t : s.tensors()) {
                    out.printf("  %-60s %-5s %s%n", t.name(), t.dtype(), Arrays.toString(t.shape()));
                }
            }
        }
        out.flush();
    }
}
