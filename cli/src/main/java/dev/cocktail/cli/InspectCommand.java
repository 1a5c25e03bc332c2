package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.ModelSummary;
import dev.cocktail.engine.NonFinite;
import dev.cocktail.engine.TensorSpec;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", description = "Show a model's architecture, parameter count, dtypes and shards.",
        footerHeading = "%nExamples:%n",
        footer = {"  cocktail inspect examples/models/base", "  cocktail inspect BAAI/bge-small-en-v1.5 --json", "  cocktail inspect MODEL --check"})
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "Model directory or Hugging Face repo id in the local cache.")
    String model;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--check", description = "Read every floating tensor and list those holding NaN or infinity "
            + "(exit status 2 when any does).")
    boolean check;

    @ParentCommand
    Cocktail parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelDir dir = ModelDir.resolve(model);
        ModelSummary s = ModelSummary.of(dir);
        List<NonFinite.Count> found = null;
        if (check) {
            try (Checkpoint c = dir.openCheckpoint()) {
                found = NonFinite.scan(c);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.MAPPER.createObjectNode().put("model", s.model()).setAll(s.toJson());
            if (found != null) {
                ArrayNode a = o.putArray("non_finite");
                for (NonFinite.Count f : found) a.addObject().put("tensor", f.tensor()).put("nan", f.nan()).put("infinite", f.infinite());
            }
            out.println(o.toString());
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
            if (found != null) {
                out.printf("check         %s%n", found.isEmpty() ? "no NaN or infinity" : found.size() + " tensors hold NaN or infinity");
                for (NonFinite.Count f : found) out.printf("  %-60s %,d NaN, %,d infinite%n", f.tensor(), f.nan(), f.infinite());
            }
        }
        out.flush();
        return found == null || found.isEmpty() ? 0 : Cocktail.EXIT_BAD_INPUT;
    }
}
