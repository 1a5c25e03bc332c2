package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The mergekit merge methods, with mergekit's names, parameters and defaults. Global parameters
 * apply to the whole tensor; tensor parameters are given per model. Methods that use a base put it
 * first among a tensor's inputs and take the others' task vectors from it.
 */
public enum Method {
    LINEAR("linear", false, params(p("normalize", true)), params(req("weight"))),
    TASK_ARITHMETIC("task_arithmetic", true, gta(false, false), params(req("weight"), p("density", 1.0))),
    TIES("ties", true, gta(true, false), params(req("weight"), p("density", 1.0))),
    DARE_TIES("dare_ties", true, gta(false, true), params(req("weight"), p("density", 1.0))),
    DARE_LINEAR("dare_linear", true, gta(false, true), params(req("weight"), p("density", 1.0))),
    BREADCRUMBS("breadcrumbs", true, gta(false, false), params(req("weight"), p("density", 1.0), p("gamma", 0.01))),
    BREADCRUMBS_TIES("breadcrumbs_ties", true, gta(false, false), params(req("weight"), p("density", 1.0), p("gamma", 0.01))),
    DELLA("della", true, gta(true, true), params(req("weight"), p("density", 1.0), p("epsilon", 0.15))),
    DELLA_LINEAR("della_linear", true, gta(false, true), params(req("weight"), p("density", 1.0), p("epsilon", 0.15))),
    SLERP("slerp", true, params(req("t")), params()),
    NUSLERP("nuslerp", false, params(p("nuslerp_row_wise", false), p("nuslerp_flatten", true)), params(req("weight"))),
    MODEL_STOCK("model_stock", true, params(p("filter_wise", false)), params()),
    KARCHER("karcher", false, params(p("max_iter", 10.0), p("tol", 1e-5)), params()),
    SCE("sce", true, params(p("int8_mask", false), p("select_topk", 1.0)), params()),
    NEARSWAP("nearswap", true, params(req("t")), params()),
    PASSTHROUGH("passthrough", false, params(), params(p("scale", null)));

    /** A parameter with its default; required ones have none. */
    record Param(String name, Object defaultValue, boolean required) {}

    final String mergekitName;
    /** Whether base_model is required and comes first among the inputs. */
    final boolean needsBase;
    final List<Param> globals;
    final List<Param> perModel;

    Method(String name, boolean needsBase, List<Param> globals, List<Param> perModel) {
        this.mergekitName = name;
        this.needsBase = needsBase;
        this.globals = globals;
        this.perModel = perModel;
    }

    public String mergekitName() {
        return mergekitName;
    }

    static Method named(String name, String where) {
        for (Method m : values()) if (m.mergekitName.equals(name)) return m;
        throw new CocktailException(where + ": unknown merge_method '" + name + "' (known: "
                + String.join(", ", Arrays.stream(values()).map(Method::mergekitName).toList()) + ").");
    }

    /** Every parameter named anywhere in the recipe must be one this method reads. */
    void checkParameters(MergekitConfig c, String where) {
        Stream<Map<String, Setting>> all = Stream.concat(Stream.of(c.parameters()), c.slices().stream().flatMap(s ->
                Stream.concat(Stream.of(s.parameters()), s.sources().stream().map(MergekitConfig.Source::parameters))));
        all.flatMap(m -> m.keySet().stream()).distinct().forEach(name -> {
            if (Stream.concat(globals.stream(), perModel.stream()).noneMatch(p -> p.name().equals(name))) {
                throw new CocktailException(where + ": parameter '" + name + "' is not one of " + mergekitName + "'s ("
                        + String.join(", ", Stream.concat(globals.stream(), perModel.stream()).map(Param::name).toList()) + ").");
            }
        });
    }

    /**
     * The merge of one tensor.
     * @param g the global parameters' values
     * @param m per-model parameter values, for the inputs other than the base, in input order
     * @param withBase whether input 0 is the base
     */
    TensorMerge build(Map<String, Object> g, List<Map<String, Object>> m, boolean withBase) {
        return switch (this) {
            case LINEAR -> LinearMerge.linear(numbers(m, "weight"), bool(g, "normalize"));
            case TASK_ARITHMETIC -> gta(TaskArithmetic.Sparsify.NONE, false, g, m);
            case TIES -> gta(TaskArithmetic.Sparsify.MAGNITUDE, true, g, m);
            case DARE_TIES -> gta(TaskArithmetic.Sparsify.RANDOM, true, g, m);
            case DARE_LINEAR -> gta(TaskArithmetic.Sparsify.RANDOM, false, g, m);
            case BREADCRUMBS -> gta(TaskArithmetic.Sparsify.OUTLIERS, false, g, m);
            case BREADCRUMBS_TIES -> gta(TaskArithmetic.Sparsify.OUTLIERS, true, g, m);
            case DELLA -> gta(TaskArithmetic.Sparsify.DELLA, true, g, m);
            case DELLA_LINEAR -> gta(TaskArithmetic.Sparsify.DELLA, false, g, m);
            case SLERP -> Slerp.slerp(number(g, "t"));
            case NUSLERP -> Slerp.nuslerp(number(m.get(0), "weight"), number(m.get(1), "weight"), withBase,
                    bool(g, "nuslerp_flatten"), bool(g, "nuslerp_row_wise"));
            case MODEL_STOCK -> ModelStock.of(bool(g, "filter_wise"));
            case KARCHER -> Karcher.of((int) number(g, "max_iter"), number(g, "tol"));
            case SCE -> Sce.of(number(g, "select_topk"));
            case NEARSWAP -> LinearMerge.nearswap(number(g, "t"));
            case PASSTHROUGH -> LinearMerge.passthrough(m.get(0).get("scale") == null ? null : number(m.get(0), "scale"));
        };
    }

    private static TensorMerge gta(TaskArithmetic.Sparsify s, boolean consensus, Map<String, Object> g, List<Map<String, Object>> m) {
        return new TaskArithmetic(s, consensus, bool(g, "normalize"), bool(g, "rescale"), number(g, "lambda"),
                numbers(m, "weight"), numbers(m, "density"),
                s == TaskArithmetic.Sparsify.OUTLIERS ? numbers(m, "gamma") : null,
                s == TaskArithmetic.Sparsify.DELLA ? numbers(m, "epsilon") : null);
    }

    private static double[] numbers(List<Map<String, Object>> m, String name) {
        return m.stream().mapToDouble(x -> number(x, name)).toArray();
    }

    static double number(Map<String, Object> m, String name) {
        Object v = m.get(name);
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof Boolean b) return b ? 1 : 0;
        throw new CocktailException("parameter '" + name + "' must be a number, got '" + v + "'.");
    }

    static boolean bool(Map<String, Object> m, String name) {
        Object v = m.get(name);
        if (v instanceof Boolean b) return b;
        if (v instanceof Number n) return n.doubleValue() != 0;
        throw new CocktailException("parameter '" + name + "' must be true or false, got '" + v + "'.");
    }

    private static Param p(String name, Object def) {
        return new Param(name, def, false);
    }

    private static Param req(String name) {
        return new Param(name, null, true);
    }

    private static List<Param> params(Param... ps) {
        return List.of(ps);
    }

    /** The global parameters of generalized task arithmetic, with the method's normalize/rescale defaults. */
    private static List<Param> gta(boolean normalize, boolean rescale) {
        return List.of(p("int8_mask", false), p("normalize", normalize), p("rescale", rescale), p("lambda", 1.0));
    }
}
