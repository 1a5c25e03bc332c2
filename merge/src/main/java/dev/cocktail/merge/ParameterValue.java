package dev.cocktail.merge;

import java.util.List;

/**
 * A mergekit parameter value: a scalar (number, boolean or string), a gradient (a list of numbers
 * interpolated linearly over the layers, or a list of other values picked by layer), or a list of
 * conditions {filter, value} where the first whose filter is a substring of the tensor name
 * (or is absent or "*") applies.
 */
sealed interface ParameterValue {
    record Scalar(Object value) implements ParameterValue {}

    record Gradient(List<Object> values) implements ParameterValue {}

    record Conditional(List<Condition> conditions) implements ParameterValue {}

    record Condition(String filter, ParameterValue value) {}

    /** The value for a tensor at relative depth t in [0, 1], or null when no condition matches. */
    default Object evaluate(String tensor, double t) {
        return switch (this) {
            case Scalar s -> s.value();
            case Gradient g -> {
                List<Object> v = g.values();
                if (v.stream().allMatch(x -> x instanceof Number)) {
                    double scaled = t * (v.size() - 1);
                    int i0 = (int) scaled, i1 = Math.min(v.size() - 1, i0 + 1);
                    double frac = scaled - i0;
                    yield (1 - frac) * ((Number) v.get(i0)).doubleValue() + frac * ((Number) v.get(i1)).doubleValue();
                }
                yield v.get((int) (t * (v.size() - 1)));
            }
            case Conditional c -> {
                for (Condition k : c.conditions()) {
                    if (k.filter() == null || k.filter().equals("*") || tensor.contains(k.filter())) {
                        yield k.value().evaluate(tensor, t);
                    }
                }
                yield null;
            }
        };
    }
}
