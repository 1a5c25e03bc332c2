package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The mergekit merge methods, each in one place: mergekit's name, what it does with a base model,
 * how many other models it merges, its parameters with their defaults (global ones apply to the
 * whole tensor, tensor ones are given per model) and how a tensor's merge is built from their
 * values. Methods that use a base put it first among a tensor's inputs and take the others' task
 * vectors from it.
 */
public enum Method {
    LINEAR("linear", Base.IGNORES, Inputs.ANY, params(p("normalize", true)), params(req("weight")),
            (g, m, withBase) -> LinearMerge.linear(numbers(m, "weight"), bool(g, "normalize"))),
    TASK_ARITHMETIC("task_arithmetic", Base.NEEDS, Inputs.BESIDES_BASE, gta(false, false), params(req("weight"), p("density", 1.0)),
            (g, m, withBase) -> gta(TaskArithmetic.Sparsify.NONE, false, g, m)),
    TIES("ties", Base.NEEDS, Inputs.BESIDES_BASE, gta(true, false), params(req("weight"), p("density", 1.0)),
            (g, m, withBase) -> gta(TaskArithmetic.Sparsify.MAGNITUDE, true, g, m)),
    DARE_TIES("dare_ties", Base.NEEDS, Inputs.BESIDES_BASE, gta(false, true), params(req("weight"), p("density", 1.0)),
            (g, m, withBase) -> gta(TaskArithmetic.Sparsify.RANDOM, true, g, m)),
    DARE_LINEAR("dare_linear", Base.NEEDS, Inputs.BESIDES_BASE, gta(false, true), params(req("weight"), p("density", 1.0)),
            (g, m, withBase) -> gta(TaskArithmetic.Sparsify.RANDOM, false, g, m)),
    BREADCRUMBS("breadcrumbs", Base.NEEDS, Inputs.BESIDES_BASE, gta(false, false),
            params(req("weight"), p("density", 1.0), p("gamma", 0.01)),
            (g, m, withBase) -> gta(TaskArithmetic.Sparsify.OUTLIERS, false, g, m)),
    BREADCRUMBS_TIES("breadcrumbs_ties", Base.NEEDS, Inputs.BESIDES_BASE, gta(false, false),
            params(req("weight"), p("density", 1.0), p("gamma", 0.01)),
            (g, m, withBase) -> gta(TaskArithmetic.Sparsify.OUTLIERS, true, g, m)),
    DELLA("della", Base.NEEDS, Inputs.BESIDES_BASE, gta(true, true), params(req("weight"), p("density", 1.0), p("epsilon", 0.15)),
            (g, m, withBase) -> gta(TaskArithmetic.Sparsify.DELLA, true, g, m)),
    DELLA_LINEAR("della_linear", Base.NEEDS, Inputs.BESIDES_BASE, gta(false, true),
            params(req("weight"), p("density", 1.0), p("epsilon", 0.15)),
            (g, m, withBase) -> gta(TaskArithmetic.Sparsify.DELLA, false, g, m)),
    SLERP("slerp", Base.NEEDS, Inputs.ONE_BESIDES_BASE, params(req("t")), params(),
            (g, m, withBase) -> Slerp.slerp(number(g, "t"))),
    NUSLERP("nuslerp", Base.ALLOWS, new Inputs(2, 2, "merges exactly two models (plus an optional base)"),
            params(p("nuslerp_row_wise", false), p("nuslerp_flatten", true)), params(req("weight")),
            (g, m, withBase) -> Slerp.nuslerp(number(m.get(0), "weight"), number(m.get(1), "weight"), withBase,
                    bool(g, "nuslerp_flatten"), bool(g, "nuslerp_row_wise"))),
    MODEL_STOCK("model_stock", Base.NEEDS, new Inputs(2, Integer.MAX_VALUE, "needs the base and at least two other models"),
            params(p("filter_wise", false)), params(),
            (g, m, withBase) -> ModelStock.of(bool(g, "filter_wise"))),
    KARCHER("karcher", Base.JOINS, Inputs.ANY, params(p("max_iter", 10.0), p("tol", 1e-5)), params(),
            (g, m, withBase) -> Karcher.of((int) number(g, "max_iter"), number(g, "tol"))),
    SCE("sce", Base.NEEDS, Inputs.BESIDES_BASE, params(p("int8_mask", false), p("select_topk", 1.0)), params(),
            (g, m, withBase) -> Sce.of(number(g, "select_topk"))),
    NEARSWAP("nearswap", Base.NEEDS, Inputs.ONE_BESIDES_BASE, params(req("t")), params(),
            (g, m, withBase) -> LinearMerge.nearswap(number(g, "t"))),
    PASSTHROUGH("passthrough", Base.IGNORES, new Inputs(1, 1, "takes exactly one source per slice"), params(), params(p("scale", null)),
            (g, m, withBase) -> LinearMerge.passthrough(m.get(0).get("scale") == null ? null : number(m.get(0), "scale"))),
    MULTISLERP("multislerp", Base.ALLOWS, Inputs.ANY, params(p("normalize_weights", true), p("eps", 1e-8)), params(req("weight")),
            (g, m, withBase) -> MultiSlerp.of(numbers(m, "weight"), bool(g, "normalize_weights"), number(g, "eps"), withBase)),
    ARCEE_FUSION("arcee_fusion", Base.NEEDS, Inputs.ONE_BESIDES_BASE, params(), params(),
            (g, m, withBase) -> ArceeFusion.MERGE),
    RAM("ram", Base.NEEDS, Inputs.BESIDES_BASE, params(p("epsilon", 1e-5)), params(),
            (g, m, withBase) -> Ram.ram(number(g, "epsilon"))),
    RAMPLUS_TL("ramplus_tl", Base.NEEDS, Inputs.BESIDES_BASE, params(p("r", 0.1), p("alpha", 0.2), p("epsilon", 1e-5)), params(),
            (g, m, withBase) -> Ram.ramPlus(number(g, "r"), number(g, "alpha"), number(g, "epsilon")));

    /** What a method does with base_model. */
    enum Base {
        /** Required; first among the inputs, the others' task vectors taken from it. */
        NEEDS,
        /** Used as NEEDS when given. */
        ALLOWS,
        /** Chooses only the config and tokenizer; merged like any other model if listed. */
        IGNORES,
        /** Merged as one more model: a models: recipe that does not list it gets it added, as mergekit does. */
        JOINS
    }

    /**
     * How many models a slice merges besides the base the method uses (all of them when it uses none).
     * @param rule what is wrong otherwise, after the method's name
     */
    record Inputs(int min, int max, String rule) {
        static final Inputs ANY = new Inputs(1, Integer.MAX_VALUE, "needs at least one model");
        static final Inputs BESIDES_BASE = new Inputs(1, Integer.MAX_VALUE, "needs at least one model besides the base");
        static final Inputs ONE_BESIDES_BASE = new Inputs(1, 1, "merges exactly two models (the base and one other)");
    }

    /** A parameter with its default; required ones have none. */
    record Param(String name, Object defaultValue, boolean required) {}

    /**
     * The merge of one tensor.
     * g: the global parameters' values; m: per-model parameter values, for the inputs other than
     * the base, in input order; withBase: whether input 0 is the base.
     */
    @FunctionalInterface
    interface Builder {
        TensorMerge build(Map<String, Object> g, List<Map<String, Object>> m, boolean withBase);
    }

    final String mergekitName;
    final Base base;
    final Inputs inputs;
    final List<Param> globals;
    final List<Param> perModel;
    private final Builder builder;

    Method(String name, Base base, Inputs inputs, List<Param> globals, List<Param> perModel, Builder builder) {
        this.mergekitName = name;
        this.base = base;
        this.inputs = inputs;
        this.globals = globals;
        this.perModel = perModel;
        this.builder = builder;
    }

    /** Whether a recipe's base model comes first among a tensor's inputs. */
    boolean usesBase() {
        return base == Base.NEEDS || base == Base.ALLOWS;
    }

    /**
     * Checks a slice's sources against the method's rules.
     * @param k how many sources the slice has
     * @param baseAmong whether the recipe's base model is one of them
     */
    void checkInputs(int k, String baseModel, boolean baseAmong, String where) {
        String why = null;
        int others = k - (usesBase() && baseAmong ? 1 : 0);
        if (base == Base.NEEDS && !baseAmong) why = "needs the base model " + baseModel + " among each slice's sources";
        else if (others < inputs.min() || others > inputs.max()) why = inputs.rule();
        if (why != null) throw new CocktailException(where + ": " + mergekitName + " " + why + ", got " + k + " model(s).");
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
        Stream<Map<String, ParameterValue>> all = Stream.concat(Stream.of(c.parameters(), c.moduleParameters()), c.slices().stream().flatMap(s ->
                Stream.concat(Stream.of(s.parameters()), s.sources().stream().map(MergekitConfig.Source::parameters))));
        all.flatMap(m -> m.keySet().stream()).distinct().forEach(name -> {
            if (Stream.concat(globals.stream(), perModel.stream()).noneMatch(p -> p.name().equals(name))) {
                throw new CocktailException(where + ": parameter '" + name + "' is not one of " + mergekitName + "'s ("
                        + String.join(", ", Stream.concat(globals.stream(), perModel.stream()).map(Param::name).toList()) + ").");
            }
        });
    }

    TensorMerge build(Map<String, Object> g, List<Map<String, Object>> m, boolean withBase) {
        return builder.build(g, m, withBase);
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
