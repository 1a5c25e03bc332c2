package dev.cocktail.merge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * cocktail.json, written beside a mix's or an extrapolation's model card: the inputs (name as
 * given, folder, hub repo and revision), the weights exactly as the merge used them, the scoring
 * losses and temperature when the weights were scored, the options and the Cocktail version.
 * redo() runs the same merge again from it, to the same bytes.
 */
public final class CocktailJson {
    private CocktailJson() {}

    public static final String FILE = "cocktail.json";

    static Recipe mix(Mix.Request r, float[] weights, String version) {
        ObjectNode o = head("mix", version);
        models(o.putArray("models"), r.models());
        ArrayNode w = o.putArray("weights");
        for (float x : weights) w.add((double) x); // the F32 value exactly, so that reading it back gives the same bits
        o.put("allow_unnormalized", r.allowUnnormalized());
        if (r.finetuned() != null) {
            o.set("finetuned", model(r.finetuned()));
            o.put("alpha", r.alpha());
        }
        o.put("dtype", r.dtype() == null ? null : r.dtype().torchName());
        if (r.scores() != null) {
            ObjectNode s = o.putObject("scoring");
            ArrayNode losses = s.putArray("losses");
            for (double l : r.scores().losses()) losses.add(l);
            s.put("temperature", r.scores().temperature());
        }
        return recipe(o, "lm-cocktail");
    }

    static Recipe extrapolate(Extrapolation.Request r, String version) {
        ObjectNode o = head("extrapolate", version);
        o.set("base", model(r.base()));
        models(o.putArray("models"), r.models());
        if (r.alphas().length == 1) {
            o.put("alpha", r.alphas()[0]);
        } else {
            ArrayNode a = o.putArray("alpha");
            for (double x : r.alphas()) a.add(x);
        }
        if (r.weights() != null) {
            ArrayNode w = o.putArray("weights");
            for (double x : r.weights()) w.add(x);
        }
        o.put("dtype", r.dtype() == null ? null : r.dtype().torchName());
        return recipe(o, "extrapolation", "expo");
    }

    /** Runs the merge a cocktail.json records, into `output`. */
    public static void redo(Path file, Output output, Progress progress, String version) {
        JsonNode o = Json.readFile(file);
        String command = o.path("command").asText("");
        DType dtype = o.path("dtype").isTextual() ? DType.fromTorchName(o.get("dtype").textValue()) : null;
        if (o.path("dtype").isTextual() && dtype == null) throw bad(file, "its dtype '" + o.get("dtype").textValue() + "' is unknown");
        switch (command) {
            case "mix" -> {
                double[] w = numbers(file, o, "weights");
                float[] weights = new float[w.length];
                for (int i = 0; i < w.length; i++) weights[i] = (float) w[i];
                ModelDir finetuned = o.has("finetuned") ? model(file, o.get("finetuned")) : null;
                Mix.Scores scores = o.has("scoring")
                        ? new Mix.Scores(numbers(file, o.get("scoring"), "losses"), number(file, o.get("scoring"), "temperature")) : null;
                Mix.mix(new Mix.Request(models(file, o), weights, o.path("allow_unnormalized").asBoolean(false), finetuned,
                        finetuned == null ? 0 : number(file, o, "alpha"), dtype, output, scores), progress, version);
            }
            case "extrapolate" -> {
                if (!o.has("base")) throw bad(file, "it names no base model");
                double[] alphas = o.path("alpha").isArray() ? numbers(file, o, "alpha") : new double[] {number(file, o, "alpha")};
                Extrapolation.extrapolate(new Extrapolation.Request(model(file, o.get("base")), models(file, o), alphas,
                        o.has("weights") ? numbers(file, o, "weights") : null, dtype, output), progress, version);
            }
            default -> throw bad(file, "its command is '" + command + "', not mix or extrapolate");
        }
    }

    private static ObjectNode head(String command, String version) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("cocktail_version", version);
        o.put("command", command);
        return o;
    }

    private static Recipe recipe(ObjectNode o, String... tags) {
        try {
            return new Recipe(List.of(tags), FILE, Json.MAPPER.writeValueAsString(o) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of strings and numbers always serializes
        }
    }

    private static void models(ArrayNode to, List<ModelDir> models) {
        for (ModelDir m : models) to.add(model(m));
    }

    private static ObjectNode model(ModelDir m) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", m.name());
        o.put("path", m.path().toAbsolutePath().normalize().toString());
        HubRef hub = HubRef.of(m.path());
        if (hub != null) {
            o.put("repo", hub.repo());
            o.put("revision", hub.revision());
        }
        return o;
    }

    private static List<ModelDir> models(Path file, JsonNode o) {
        if (!o.path("models").isArray() || o.get("models").isEmpty()) throw bad(file, "it lists no models");
        List<ModelDir> dirs = new ArrayList<>();
        for (JsonNode m : o.get("models")) dirs.add(model(file, m));
        return dirs;
    }

    /** The recorded folder when it is still there, else the hub cache's snapshot of the recorded revision, else the name as given. */
    private static ModelDir model(Path file, JsonNode m) {
        if (m.path("path").isTextual() && Files.isDirectory(Path.of(m.get("path").textValue()))) {
            return ModelDir.resolve(m.get("path").textValue());
        }
        if (m.path("repo").isTextual() && m.path("revision").isTextual()) {
            return ModelDir.resolve(m.get("repo").textValue() + "@" + m.get("revision").textValue());
        }
        if (!m.path("name").isTextual()) throw bad(file, "a model entry has neither a folder that exists nor a name");
        return ModelDir.resolve(m.get("name").textValue());
    }

    private static double number(Path file, JsonNode o, String key) {
        if (!o.path(key).isNumber()) throw bad(file, "its " + key + " is not a number");
        return o.get(key).doubleValue();
    }

    private static double[] numbers(Path file, JsonNode o, String key) {
        if (!o.path(key).isArray()) throw bad(file, "its " + key + " is not a list of numbers");
        double[] v = new double[o.get(key).size()];
        for (int i = 0; i < v.length; i++) {
            if (!o.get(key).get(i).isNumber()) throw bad(file, "its " + key + " is not a list of numbers");
            v[i] = o.get(key).get(i).doubleValue();
        }
        return v;
    }

    private static CocktailException bad(Path file, String problem) {
        return new CocktailException(file + ": is not a cocktail.json Cocktail can redo: " + problem + ".");
    }
}
