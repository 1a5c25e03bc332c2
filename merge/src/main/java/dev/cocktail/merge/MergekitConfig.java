package dev.cocktail.merge;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * A mergekit YAML recipe: models (or slices of layers, or modules of either), base_model,
 * merge_method, parameters, dtype, out_dtype, tokenizer_source or a tokenizer block, chat_template. A `models:` list
 * becomes one slice over every layer of each model, as mergekit does. Unknown keys and methods are
 * errors that name them.
 *
 * @param slices the output slices in order; a `models:` recipe has one, whose sources have no layer range
 * @param fromModels whether the recipe listed models rather than slices
 * @param moduleParameters the `parameters` of the recipe's module (looked up after a slice's, before the recipe's)
 * @param tokenizer the output tokenizer, or null to copy the base's as it is
 * @param chatTemplate the recipe's chat_template as written (see ChatTemplate), or null
 * @param modules the modules of a multi-module recipe (an encoder-decoder's, a multi-modal model's),
 *                each as a recipe of its own with the module's slices and parameters, by name in
 *                recipe order; then `slices` holds all of theirs. Empty for a one-module recipe.
 */
public record MergekitConfig(Method method, String baseModel, List<Slice> slices, boolean fromModels,
                             Map<String, ParameterValue> parameters, DType dtype, DType outDtype, TokenizerSpec tokenizer,
                             String text, Map<String, ParameterValue> moduleParameters, String chatTemplate,
                             Map<String, MergekitConfig> modules) {

    /**
     * One output slice: its sources' layer ranges all have the same length.
     *
     * @param baseModel the slice's own base_model, which replaces the recipe's for its tensors (null: the recipe's)
     */
    public record Slice(List<Source> sources, Map<String, ParameterValue> parameters, String baseModel) {
        public Slice(List<Source> sources, Map<String, ParameterValue> parameters) {
            this(sources, parameters, null);
        }
    }

    /** A model and, in slices, the layers [from, to) taken from it (null: all). */
    public record Source(String model, int[] layerRange, Map<String, ParameterValue> parameters) {}

    private static final Set<String> TOP = Set.of("models", "slices", "base_model", "merge_method", "parameters",
            "dtype", "out_dtype", "tokenizer_source", "tokenizer", "modules", "chat_template");
    private static final Set<String> MODULE = Set.of("models", "slices", "parameters");
    private static final Set<String> MODEL = Set.of("model", "parameters");
    // residual_weight is read and checked, and then unused, as in mergekit (nothing there reads it)
    private static final Set<String> SLICE = Set.of("sources", "parameters", "base_model", "residual_weight");
    private static final Set<String> SOURCE = Set.of("model", "layer_range", "parameters");
    private static final int MAX_BYTES = 1 << 20;

    /** Whether the method merges from the recipe's base model (which comes first among the inputs). */
    boolean usesBase() {
        return baseModel != null && method.usesBase();
    }

    /** The slice's base model: its own, else the recipe's (null when neither names one). */
    String baseOf(Slice s) {
        return s.baseModel() != null ? s.baseModel() : baseModel;
    }

    /** Whether the method merges from the slice's base model (which then comes first among its inputs). */
    boolean usesBase(Slice s) {
        return baseOf(s) != null && method.usesBase();
    }

    /** tokenizer_source, or the tokenizer block's source; null when the recipe has neither. */
    public String tokenizerSource() {
        return tokenizer == null ? null : tokenizer.source();
    }

    public static MergekitConfig read(Path file) {
        return parse(readText(file), file.toString());
    }

    /** A recipe's text: UTF-8, at most 1 MB. */
    static String readText(Path file) {
        String text;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1); // never more: a device such as /dev/zero has no end
            if (bytes.length > MAX_BYTES) throw new CocktailException(file + ": is over 1 MB, too large for a merge recipe.");
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CocktailException(file + ": is not valid UTF-8 text.");
        } catch (NoSuchFileException e) {
            throw new CocktailException(file + ": no such file.");
        } catch (IOException e) {
            throw new CocktailException(file + ": cannot be read (" + CocktailException.reason(e) + ").", e);
        }
        return text;
    }

    /** The YAML tree of a recipe's text, with limits on its size and nesting, aliases and duplicate keys refused. */
    static JsonNode tree(String text, String where) {
        try {
            LoaderOptions limits = new LoaderOptions();
            limits.setMaxAliasesForCollections(50);
            limits.setNestingDepthLimit(50);
            limits.setCodePointLimit(MAX_BYTES);
            YAMLMapper yaml = new YAMLMapper(YAMLFactory.builder().loaderOptions(limits).build());
            yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            refuseAliases(yaml, text, where);
            return yaml.readTree(text);
        } catch (JacksonException e) {
            String msg = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage().lines().findFirst().orElse("");
            throw new CocktailException(where + ": is not valid YAML (" + msg + ").");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // the text is in memory: no I/O to fail
        }
    }

    public static MergekitConfig parse(String text, String where) {
        JsonNode root = tree(text, where);
        if (root == null || !root.isObject()) throw new CocktailException(where + ": is not a YAML mapping of merge settings.");
        keys(root, TOP, where, "top level");
        if (!root.path("merge_method").isTextual()) throw new CocktailException(where + ": has no merge_method.");
        Method method = Method.named(root.get("merge_method").asText(), where);
        String base = root.has("base_model") ? text(root.get("base_model"), where, "base_model") : null;
        if (root.has("modules") && (root.has("models") || root.has("slices"))) {
            throw new CocktailException(where + ": give exactly one of 'models', 'slices' and 'modules'.");
        }
        JsonNode modules = root.get("modules");
        if (modules != null && (!modules.isObject() || modules.isEmpty())) {
            throw new CocktailException(where + ": 'modules' must be a mapping of module names to their models or slices.");
        }
        boolean oneModule = modules == null || modules.size() == 1 && modules.has("default");
        JsonNode layers = modules == null ? root : oneModule ? module("default", modules.get("default"), where) : null;
        Map<String, ParameterValue> moduleParameters = modules != null && oneModule ? params(layers.get("parameters"), where) : Map.of();
        Map<String, JsonNode> moduleNodes = new LinkedHashMap<>();
        if (!oneModule) modules.fields().forEachRemaining(e -> moduleNodes.put(e.getKey(), module(e.getKey(), e.getValue(), where)));
        boolean hasModels = layers != null && layers.has("models");
        List<Slice> slices = new ArrayList<>();
        if (layers != null) slices.addAll(slices(layers, where));
        for (JsonNode m : moduleNodes.values()) slices.addAll(slices(m, where));
        DType dtype = dtype(root.get("dtype"), where, "dtype");
        DType out = dtype(root.get("out_dtype"), where, "out_dtype");
        TokenizerSpec tok = TokenizerSpec.parse(root.get("tokenizer_source"), root.get("tokenizer"), where);
        JsonNode ct = root.get("chat_template");
        if (ct != null && !ct.isNull() && (!ct.isTextual() || ct.asText().isBlank())) {
            throw new CocktailException(where + ": chat_template must be auto, a bundled template's name, an input model or a Jinja template.");
        }
        Map<String, ParameterValue> globals = params(root.get("parameters"), where);
        String template = ct == null || ct.isNull() ? null : ct.asText();
        Map<String, MergekitConfig> parts = new LinkedHashMap<>();
        moduleNodes.forEach((name, m) -> {
            MergekitConfig part = new MergekitConfig(method, base, slices(m, where), m.has("models"), globals, dtype, out, tok, text,
                    params(m.get("parameters"), where), template, Map.of());
            method.checkParameters(part, where);
            parts.put(name, part);
        });
        MergekitConfig c = new MergekitConfig(method, base, slices, hasModels, globals, dtype, out, tok, text, moduleParameters, template, parts);
        method.checkParameters(c, where);
        return c;
    }

    /** A recipe's (or a module's) `models` or `slices`, as slices. */
    private static List<Slice> slices(JsonNode root, String where) {
        boolean hasModels = root.has("models"), hasSlices = root.has("slices");
        if (hasModels == hasSlices) throw new CocktailException(where + ": give exactly one of 'models' and 'slices'.");
        List<Slice> slices = new ArrayList<>();
        if (hasModels) {
            List<Source> sources = new ArrayList<>();
            for (JsonNode m : list(root.get("models"), where, "models")) {
                if (!m.isObject()) throw new CocktailException(where + ": each entry of 'models' must be a mapping with a 'model' key.");
                keys(m, MODEL, where, "a model entry");
                sources.add(new Source(text(m.get("model"), where, "model"), null, params(m.get("parameters"), where)));
            }
            slices.add(new Slice(sources, Map.of()));
        } else {
            for (JsonNode s : list(root.get("slices"), where, "slices")) {
                if (!s.isObject()) throw new CocktailException(where + ": each slice must be a mapping with 'sources'.");
                keys(s, SLICE, where, "a slice");
                List<Source> sources = new ArrayList<>();
                for (JsonNode src : list(s.get("sources"), where, "sources")) {
                    if (!src.isObject()) throw new CocktailException(where + ": each source must be a mapping with 'model' and 'layer_range'.");
                    keys(src, SOURCE, where, "a slice source");
                    JsonNode r = src.get("layer_range");
                    if (r == null || !r.isArray() || r.size() != 2 || !r.get(0).isIntegralNumber() || !r.get(1).isIntegralNumber()
                            || !r.get(0).canConvertToInt() || !r.get(1).canConvertToInt()
                            || r.get(0).asInt() < 0 || r.get(1).asInt() <= r.get(0).asInt()) {
                        throw new CocktailException(where + ": layer_range must be [first, end) with 0 <= first < end, got " + r + ".");
                    }
                    sources.add(new Source(text(src.get("model"), where, "model"), new int[] {r.get(0).asInt(), r.get(1).asInt()},
                            params(src.get("parameters"), where)));
                }
                int len = sources.getFirst().layerRange()[1] - sources.getFirst().layerRange()[0];
                for (Source src : sources) {
                    if (src.layerRange()[1] - src.layerRange()[0] != len) {
                        throw new CocktailException(where + ": the sources of a slice must span the same number of layers.");
                    }
                }
                JsonNode rw = s.get("residual_weight");
                if (rw != null && !rw.isNull() && !(rw.isNumber() && Double.isFinite(rw.asDouble()))) {
                    throw new CocktailException(where + ": a slice's residual_weight must be a number, got " + rw + ".");
                }
                String sliceBase = s.has("base_model") ? text(s.get("base_model"), where, "base_model") : null;
                slices.add(new Slice(sources, params(s.get("parameters"), where), sliceBase));
            }
        }
        return slices;
    }

    /**
     * A module of `modules:`, a mapping with `models` or `slices` and its own `parameters`. mergekit
     * names the module of a single-module architecture "default"; the modules of encoder-decoder and
     * multi-modal models are named by ModuleLayout.
     */
    private static JsonNode module(String name, JsonNode m, String where) {
        if (m == null || !m.isObject()) throw new CocktailException(where + ": module '" + name + "' must be a mapping with 'models' or 'slices'.");
        keys(m, MODULE, where, "module '" + name + "'");
        return m;
    }

    /**
     * Jackson's YAML reader hands an alias (`*name`) over as the string "name", so that a recipe
     * using anchors would merge with the anchor's name as a value; they are refused instead.
     */
    private static void refuseAliases(YAMLMapper yaml, String text, String where) throws IOException {
        try (YAMLParser p = (YAMLParser) yaml.getFactory().createParser(text)) {
            while (p.nextToken() != null) {
                if (p.isCurrentAlias()) {
                    throw new CocktailException(where + ": line " + p.currentLocation().getLineNr() + " uses the YAML alias *"
                            + p.getText() + ", which recipes do not support; write the value out.");
                }
            }
        }
    }

    static void keys(JsonNode node, Set<String> allowed, String where, String what) {
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new CocktailException(where + ": unknown key '" + k + "' in " + what + " (allowed: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ").");
            }
        }
    }

    static List<JsonNode> list(JsonNode n, String where, String key) {
        if (n == null || !n.isArray() || n.isEmpty()) throw new CocktailException(where + ": '" + key + "' must be a non-empty list.");
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    private static String text(JsonNode n, String where, String key) {
        if (n == null || !n.isTextual() || n.asText().isBlank()) throw new CocktailException(where + ": '" + key + "' must be a model path or repo id.");
        return n.asText();
    }

    static DType dtype(JsonNode n, String where, String key) {
        if (n == null || n.isNull()) return null;
        DType d = n.isTextual() ? DType.fromTorchName(n.asText()) : null;
        if (d == null && n.isTextual()) {
            try {
                d = DType.fromOption(n.asText());
            } catch (CocktailException e) {
                d = null;
            }
        }
        if (d == null || !d.isFloat()) throw new CocktailException(where + ": " + key + " must be float32, bfloat16 or float16, got " + n + ".");
        return d;
    }

    static Map<String, ParameterValue> params(JsonNode n, String where) {
        if (n == null || n.isNull()) return Map.of();
        if (!n.isObject()) throw new CocktailException(where + ": 'parameters' must be a mapping of names to values.");
        Map<String, ParameterValue> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> out.put(e.getKey(), setting(e.getKey(), e.getValue(), where)));
        return out;
    }

    private static ParameterValue setting(String name, JsonNode v, String where) {
        if (v.isNumber() && !Double.isFinite(v.asDouble())) {
            throw new CocktailException(where + ": parameter '" + name + "' must be a finite number, got " + v.asDouble() + ".");
        }
        if (name.equals("density") && v.isNumber() && !(v.asDouble() >= 0 && v.asDouble() <= 1)) {
            throw new CocktailException(where + ": parameter 'density' must be between 0 and 1, got " + v.asDouble() + ".");
        }
        if (v.isValueNode() && !v.isNull()) return new ParameterValue.Scalar(scalar(v));
        if (v.isObject()) return new ParameterValue.Conditional(List.of(condition(name, v, where)));
        if (v.isArray() && !v.isEmpty()) {
            if (v.get(0).isObject()) {
                List<ParameterValue.Condition> conds = new ArrayList<>();
                for (JsonNode c : v) {
                    if (!c.isObject()) throw new CocktailException(where + ": parameter '" + name + "' mixes conditions and plain values.");
                    conds.add(condition(name, c, where));
                }
                return new ParameterValue.Conditional(conds);
            }
            List<Object> values = new ArrayList<>();
            for (JsonNode x : v) {
                if (!x.isValueNode() || x.isNull()) throw new CocktailException(where + ": parameter '" + name + "' has a list with a non-scalar entry.");
                values.add(((ParameterValue.Scalar) setting(name, x, where)).value());
            }
            return new ParameterValue.Gradient(values);
        }
        throw new CocktailException(where + ": parameter '" + name + "' must be a number, a list (gradient) or filters, got " + v + ".");
    }

    private static ParameterValue.Condition condition(String name, JsonNode c, String where) {
        for (var it = c.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("filter") && !k.equals("value")) {
                throw new CocktailException(where + ": unknown key '" + k + "' in a filter of parameter '" + name + "' (allowed: filter, value).");
            }
        }
        if (!c.has("value")) throw new CocktailException(where + ": a filter of parameter '" + name + "' has no value.");
        JsonNode f = c.get("filter");
        if (f != null && !f.isTextual() && !f.isNull()) throw new CocktailException(where + ": the filter of parameter '" + name + "' must be a string.");
        return new ParameterValue.Condition(f == null || f.isNull() ? null : f.asText(), setting(name, c.get("value"), where));
    }

    private static Object scalar(JsonNode v) {
        if (v.isNumber()) return v.asDouble();
        if (v.isBoolean()) return v.asBoolean();
        return v.asText();
    }
}
