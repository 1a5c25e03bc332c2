package dev.cocktail.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.OutputFile;
import dev.cocktail.models.Scoring;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** How scores and weights reach the user: SPEC section 8's JSON report, or a table. */
final class ScoreReport {
    private ScoreReport() {}

    /** {"models":[{"model","path","loss"}],"weights":[..],"temperature":..}; losses and temperature are null for given weights. */
    static ObjectNode json(List<String> models, double[] losses, double[] weights, Double temperature) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        ArrayNode ms = o.putArray("models");
        for (int i = 0; i < models.size(); i++) {
            ObjectNode m = ms.addObject().put("model", models.get(i)).put("path", models.get(i));
            if (losses == null) m.putNull("loss");
            else m.put("loss", losses[i]);
        }
        ArrayNode ws = o.putArray("weights");
        for (double w : weights) ws.add(w);
        if (temperature == null) o.putNull("temperature");
        else o.put("temperature", temperature);
        return o;
    }

    static ObjectNode json(Scoring.Result r) {
        return json(r.models(), r.losses(), weights(r), r.temperature());
    }

    /** The float32 weights, widened exactly for the JSON. */
    private static double[] weights(Scoring.Result r) {
        double[] w = new double[r.weights().length];
        for (int i = 0; i < w.length; i++) w[i] = r.weights()[i];
        return w;
    }

    static void table(PrintWriter out, Scoring.Result r) {
        int width = Math.max(5, r.models().stream().mapToInt(String::length).max().orElse(5));
        out.printf("%-" + width + "s  %12s  %10s%n", "model", "loss", "weight");
        for (int i = 0; i < r.losses().length; i++) {
            out.printf("%-" + width + "s  %12.6f  %10.6f%n", r.models().get(i), r.losses()[i], r.weights()[i]);
        }
        out.printf("%s scoring, temperature %s%n", r.type().name().toLowerCase(Locale.ROOT).replace('_', '-'), r.temperature());
    }

    /** Writes the report whole or not at all. */
    static void write(Path file, ObjectNode report) {
        OutputFile.write(file, tmp -> Json.writeFile(tmp, report));
    }
}
