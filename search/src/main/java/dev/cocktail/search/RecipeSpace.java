package dev.cocktail.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.MergekitConfig;
import dev.cocktail.merge.MergekitMerge;
import dev.cocktail.merge.OpenModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A mergekit recipe whose parameters are given as ranges, as mergekit-evolve's genome: in a search
 * recipe, a parameter written as a list of two numbers, `weight: [0.1, 0.9]`, is searched between them
 * (so a two-point gradient cannot be written; three points and more stay gradients). Each point is
 * the recipe with every range replaced by its value, which `merge` writes.
 *
 * @param tree    the recipe as read, ranges included
 * @param ranges  where each range is: its parameters map and key, in the order of the dimensions
 */
public record RecipeSpace(Path file, ObjectNode tree, List<Dimension> dimensions, List<Range> ranges, OpenModels models)
        implements Space {

    /** A range's place in the tree: the keys and list indices down to its parameters map, and its key there. */
    record Range(List<Object> path, String key) {

        ObjectNode parameters(JsonNode tree) {
            JsonNode n = tree;
            for (Object step : path) n = step instanceof Integer i ? n.get(i) : n.get((String) step);
            return (ObjectNode) n;
        }
    }

    /**
     * The values a searched parameter may take, from what each method does with it (see merge/Method):
     * fractions for densities, interpolation factors and the like; any finite number for weights and scales.
     */
    private static final Map<String, double[]> DOMAINS = Map.ofEntries(
            Map.entry("weight", new double[] {-Double.MAX_VALUE, Double.MAX_VALUE}),
            Map.entry("lambda", new double[] {-Double.MAX_VALUE, Double.MAX_VALUE}),
            Map.entry("scale", new double[] {-Double.MAX_VALUE, Double.MAX_VALUE}),
            Map.entry("density", new double[] {0, 1}),
            Map.entry("gamma", new double[] {0, 1}),
            Map.entry("epsilon", new double[] {0, 1}),
            Map.entry("t", new double[] {0, 1}),
            Map.entry("select_topk", new double[] {Double.MIN_VALUE, 1}),
            Map.entry("r", new double[] {0, 1}),
            Map.entry("alpha", new double[] {0, 1}),
            Map.entry("tol", new double[] {Double.MIN_VALUE, Double.MAX_VALUE}),
            Map.entry("eps", new double[] {Double.MIN_VALUE, Double.MAX_VALUE}));

    private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build();

    static RecipeSpace open(Path file) {
        String where = file.toString();
        MergekitConfig original = MergekitConfig.read(file); // the file's own checks: size, UTF-8, YAML
        ObjectNode tree;
        try {
            JsonNode root = YAML.readTree(original.text());
            if (!(root instanceof ObjectNode o)) throw new CocktailException(where + ": is not a mergekit recipe (a YAML mapping).");
            tree = o;
        } catch (JsonProcessingException e) {
            throw new CocktailException(where + ": is not valid YAML (" + e.getOriginalMessage() + ").", e);
        }
        List<Dimension> dims = new ArrayList<>();
        List<Range> ranges = new ArrayList<>();
        collect(tree, List.of("parameters"), "", dims, ranges, where);
        for (String list : List.of("models", "slices")) {
            JsonNode items = tree.get(list);
            if (items == null || !items.isArray()) continue;
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = items.get(i);
                String name = item.has("model") ? item.get("model").asText() + " " : list + "[" + i + "] ";
                collect(tree, List.of(list, i, "parameters"), name, dims, ranges, where);
                JsonNode sources = item.get("sources");
                if (sources == null || !sources.isArray()) continue;
                for (int k = 0; k < sources.size(); k++) {
                    collect(tree, List.of(list, i, "sources", k, "parameters"), name + sources.get(k).path("model").asText("source " + k) + " ",
                            dims, ranges, where);
                }
            }
        }
        RecipeSpace probe = new RecipeSpace(file, tree, List.copyOf(dims), List.copyOf(ranges), null);
        Point low = probe.decode(new double[dims.size()]);
        MergekitConfig cfg = probe.config(low); // checks every parameter is one the method reads
        Path dir = file.toAbsolutePath().getParent();
        return new RecipeSpace(file, tree, probe.dimensions(), probe.ranges(), MergekitMerge.open(cfg, dir, where));
    }

    /** Adds the ranges of one parameters map, checked against their parameters' domains. */
    private static void collect(ObjectNode tree, List<Object> path, String prefix, List<Dimension> dims, List<Range> ranges, String where) {
        JsonNode parameters = tree;
        for (Object step : path) parameters = parameters == null ? null : step instanceof Integer i ? parameters.get(i) : parameters.get((String) step);
        if (!(parameters instanceof ObjectNode map)) return;
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            JsonNode v = e.getValue();
            if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber()) continue;
            String key = e.getKey();
            double lo = v.get(0).asDouble(), hi = v.get(1).asDouble();
            double[] domain = DOMAINS.get(key);
            if (domain == null) throw new CocktailException(where + ": parameter '" + key + "' cannot be searched (searched: "
                    + String.join(", ", DOMAINS.keySet().stream().sorted().toList()) + ").");
            if (!(lo < hi)) throw new CocktailException(where + ": the range of '" + key + "' is [" + lo + ", " + hi + "]; give [low, high] with low below high.");
            if (lo < domain[0] || hi > domain[1]) {
                throw new CocktailException(where + ": the range [" + lo + ", " + hi + "] of '" + key + "' goes outside its domain ["
                        + show(domain[0]) + ", " + show(domain[1]) + "].");
            }
            dims.add(new Dimension(prefix + key, lo, hi));
            ranges.add(new Range(path, key));
        }
    }

    private static String show(double bound) {
        return Math.abs(bound) == Double.MAX_VALUE ? (bound < 0 ? "-inf" : "inf") : bound == Double.MIN_VALUE ? "0 (excluded)" : Double.toString(bound);
    }

    @Override
    public List<String> weightNames() {
        return List.of();
    }

    @Override
    public String recipe(Point p) {
        ObjectNode copy = tree.deepCopy();
        for (int i = 0; i < ranges.size(); i++) ranges.get(i).parameters(copy).put(ranges.get(i).key(), p.values()[i]);
        try {
            return YAML.writeValueAsString(copy);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a YAML tree that was read cannot be written", e);
        }
    }

    MergekitConfig config(Point p) {
        return MergekitConfig.parse(recipe(p), file.toString());
    }

    @Override
    public MergePlan plan(Point p) {
        return MergekitMerge.plan(config(p), models, file.toAbsolutePath().getParent(), file.toString(), MergekitMerge.DEFAULT_SEED);
    }

    @Override
    public String command(Point p, String output, String recipeFile) {
        return "cocktail merge " + Point.quoted(recipeFile) + " --output " + output;
    }

    @Override
    public void close() {
        if (models != null) models.close();
    }
}
