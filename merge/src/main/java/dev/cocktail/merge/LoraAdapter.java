package dev.cocktail.merge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA adapter folder (adapter_config.json and adapter_model.safetensors) opened against
 * its base model's checkpoint, as PEFT's LoraModel loads one: tensor names lose PEFT's
 * `base_model.model.` prefix; `X.lora_A.weight` and `X.lora_B.weight` factor the delta of weight
 * `X.weight` (`X.lora_embedding_A`/`_B` for an embedding), scaled by lora_alpha / r, or
 * lora_alpha / sqrt(r) with use_rslora, r and lora_alpha taken from rank_pattern and alpha_pattern
 * where a pattern matches the module; any other tensor is a modules_to_save copy that replaces the
 * base's tensor of its name. Every tensor is checked against the base before a merge starts.
 * Pickle adapters (adapter_model.bin) are refused, as pickle checkpoints are.
 */
final class LoraAdapter implements AutoCloseable {
    static final String CONFIG = LoraExtract.CONFIG, WEIGHTS = LoraExtract.WEIGHTS;
    private static final String PREFIX = "base_model.model.";
    /** PEFT's LoraConfig defaults. */
    private static final int DEFAULT_RANK = 8;
    private static final double DEFAULT_ALPHA = 8;

    private final Checkpoint weights;
    private final Map<Tensor, LoraInput> inputs;

    private LoraAdapter(Checkpoint weights, Map<Tensor, LoraInput> inputs) {
        this.weights = weights;
        this.inputs = inputs;
    }

    /** The adapter of `model` (which has one), checked against the model's base checkpoint. */
    static LoraAdapter open(ModelDir model, Checkpoint base) {
        Path dir = model.adapter(), config = dir.resolve(CONFIG), file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(config)) {
            throw new CocktailException(config + ": no such file; a PEFT LoRA adapter folder holds " + CONFIG + " and " + WEIGHTS + ".");
        }
        if (!Files.isRegularFile(file)) {
            throw new CocktailException(file + ": no such file" + (Files.isRegularFile(dir.resolve("adapter_model.bin"))
                    ? "; the adapter is a pickle (adapter_model.bin), which can run code when loaded: convert it to safetensors first."
                    : "; a PEFT LoRA adapter folder holds " + CONFIG + " and " + WEIGHTS + "."));
        }
        Settings s = Settings.read(config);
        Checkpoint w = Checkpoint.openFile(file);
        try {
            return new LoraAdapter(w, inputs(w, base, s, file, model.path()));
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /** What the adapter makes of a base tensor, or null when it leaves it alone. */
    LoraInput input(Tensor base) {
        return inputs.get(base);
    }

    /** Every adapted base tensor, keyed by identity. */
    Map<Tensor, LoraInput> inputs() {
        return inputs;
    }

    /** After a failure: throws naming the adapter file when it changed while it was read. */
    void checkUnchanged(Throwable failure) {
        weights.checkUnchanged(failure);
    }

    @Override
    public void close() {
        weights.close();
    }

    /** adapter_config.json's settings that change the weights; the features Cocktail does not apply are refused. */
    private record Settings(int rank, double alpha, boolean rslora, boolean fanInFanOut, Map<String, JsonNode> rankPattern,
                            Map<String, JsonNode> alphaPattern, Path file) {

        static Settings read(Path file) {
            JsonNode c = Json.readFile(file);
            if (!c.isObject()) throw new CocktailException(file + ": is not a JSON object.");
            String type = c.path("peft_type").asText("LORA");
            if (!type.equals("LORA")) throw new CocktailException(file + ": peft_type is " + type + "; only LoRA adapters (LORA) are applied.");
            if (c.path("use_dora").asBoolean(false)) {
                throw new CocktailException(file + ": use_dora is set; DoRA adapters are not applied (their merge needs each weight's column norms).");
            }
            if (c.path("lora_bias").asBoolean(false)) throw new CocktailException(file + ": lora_bias is set; LoRA biases are not applied.");
            JsonNode r = c.path("r");
            if (!r.isMissingNode() && !(r.isIntegralNumber() && r.asInt() >= 1)) throw new CocktailException(file + ": r must be a positive integer, got " + r + ".");
            JsonNode a = c.path("lora_alpha");
            if (!a.isMissingNode() && !a.isNumber()) throw new CocktailException(file + ": lora_alpha must be a number, got " + a + ".");
            return new Settings(r.asInt(DEFAULT_RANK), a.asDouble(DEFAULT_ALPHA), c.path("use_rslora").asBoolean(false),
                    c.path("fan_in_fan_out").asBoolean(false), pattern(c, "rank_pattern", file), pattern(c, "alpha_pattern", file), file);
        }

        private static Map<String, JsonNode> pattern(JsonNode c, String key, Path file) {
            Map<String, JsonNode> out = new LinkedHashMap<>();
            JsonNode p = c.path(key);
            if (p.isMissingNode() || p.isNull()) return out;
            if (!p.isObject()) throw new CocktailException(file + ": " + key + " must map module patterns to numbers.");
            p.fields().forEachRemaining(e -> {
                if (!e.getValue().isNumber()) throw new CocktailException(file + ": " + key + " gives '" + e.getKey() + "' " + e.getValue() + ", not a number.");
                out.put(e.getKey(), e.getValue());
            });
            return out;
        }

        /** The module's rank and alpha: the first pattern that matches its name or a dotted suffix of it, as PEFT's get_pattern_key. */
        double scale(String module, int rankFound, Path weights) {
            JsonNode pr = matching(rankPattern, module), pa = matching(alphaPattern, module);
            int r = pr == null ? rank : pr.asInt();
            if (rankFound != r) {
                throw new CocktailException(weights + ": the LoRA of '" + module + "' has rank " + rankFound + ", but " + file.getFileName()
                        + " gives it rank " + r + ".");
            }
            double alpha = pa == null ? this.alpha : pa.asDouble();
            return alpha / (rslora ? Math.sqrt(r) : r);
        }

        private JsonNode matching(Map<String, JsonNode> patterns, String module) {
            for (var e : patterns.entrySet()) {
                Pattern p;
                try {
                    p = Pattern.compile("(.*\\.)?(" + e.getKey() + ")");
                } catch (java.util.regex.PatternSyntaxException x) {
                    throw new CocktailException(file + ": the pattern '" + e.getKey() + "' is not a regular expression (" + x.getDescription() + ").");
                }
                if (p.matcher(module).matches()) return e.getValue();
            }
            return null;
        }
    }

    /** A module's two factors as the file names them. */
    private static final class Pair {
        Tensor a, b;
        boolean embedding;
    }

    private static Map<Tensor, LoraInput> inputs(Checkpoint w, Checkpoint base, Settings s, Path file, Path model) {
        Map<Tensor, LoraInput> out = new IdentityHashMap<>();
        Map<String, Pair> pairs = new LinkedHashMap<>();
        for (Tensor t : w.tensors()) {
            String name = t.name().startsWith(PREFIX) ? t.name().substring(PREFIX.length()) : t.name();
            String[] factor = factor(name);
            if (factor != null) {
                if (!t.dtype().isFloat() || t.rank() != 2) {
                    throw new CocktailException(file + ": tensor '" + t.name() + "' is " + t.dtype() + " " + t.shapeString()
                            + "; a LoRA factor is a floating matrix.");
                }
                Pair p = pairs.computeIfAbsent(factor[0], k -> new Pair());
                p.embedding = factor[1].startsWith("lora_embedding");
                if (factor[1].endsWith("A")) p.a = t;
                else p.b = t;
                continue;
            }
            if (name.contains("lora_") || name.contains(".token_adapter.")) {
                throw new CocktailException(file + ": tensor '" + t.name() + "' is not a LoRA factor Cocktail applies"
                        + " (lora_A/lora_B weights, lora_embedding_A/B, or a modules_to_save copy).");
            }
            String target = name.replace(".modules_to_save.", ".");
            Tensor b = base.tensor(target);
            if (b == null) throw new CocktailException(file + ": holds '" + t.name() + "' to replace '" + target + "', which " + model + " does not have.");
            if (!Arrays.equals(b.shape(), t.shape()) || !b.dtype().isFloat() || !t.dtype().isFloat()) {
                throw new CocktailException(file + ": '" + t.name() + "' is " + t.dtype() + " " + t.shapeString() + ", but '" + target
                        + "' of " + model + " is " + b.dtype() + " " + b.shapeString() + ".");
            }
            out.put(b, new LoraInput(t, null, b.dtype()));
        }
        pairs.forEach((module, p) -> {
            String kind = p.embedding ? "lora_embedding_" : "lora_";
            if (p.a == null || p.b == null) {
                throw new CocktailException(file + ": '" + module + "' has " + kind + (p.a == null ? "B but no " + kind + "A" : "A but no " + kind + "B") + ".");
            }
            Tensor b = base.tensor(module + ".weight");
            if (b == null) throw new CocktailException(file + ": adapts '" + module + "', but " + model + " has no tensor '" + module + ".weight'.");
            int r = p.a.dim(0);
            if (p.b.dim(1) != r) {
                throw new CocktailException(file + ": the factors of '" + module + "' do not chain: " + kind + "A is " + p.a.shapeString()
                        + " and " + kind + "B is " + p.b.shapeString() + ".");
            }
            boolean transposed = p.embedding || s.fanInFanOut();
            long[] delta = transposed ? new long[] {p.a.shape()[1], p.b.shape()[0]} : new long[] {p.b.shape()[0], p.a.shape()[1]};
            if (!Arrays.equals(delta, b.shape()) || !b.dtype().isFloat()) {
                throw new CocktailException(file + ": the LoRA of '" + module + "' gives a " + Arrays.toString(delta) + " delta"
                        + (s.fanInFanOut() && !p.embedding ? " (fan_in_fan_out)" : "") + ", but '" + b.name() + "' of " + model + " is "
                        + b.dtype() + " " + b.shapeString() + ".");
            }
            if (out.containsKey(b)) throw new CocktailException(file + ": both replaces and adapts '" + b.name() + "'.");
            float scale = (float) s.scale(module, r, file);
            out.put(b, new LoraInput(b, new LoraInput.Delta(p.a, p.b, transposed, scale), b.dtype()));
        });
        return out;
    }

    /** {module, factor} for a LoRA factor's name (lora_A, lora_B, lora_embedding_A, lora_embedding_B), else null. */
    private static String[] factor(String name) {
        for (String f : new String[] {"lora_A", "lora_B"}) {
            if (name.endsWith("." + f + ".weight")) return new String[] {name.substring(0, name.length() - f.length() - 8), f};
        }
        for (String f : new String[] {"lora_embedding_A", "lora_embedding_B"}) {
            if (name.endsWith("." + f)) return new String[] {name.substring(0, name.length() - f.length() - 1), f};
        }
        return null;
    }
}
