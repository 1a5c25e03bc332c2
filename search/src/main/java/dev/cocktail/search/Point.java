package dev.cocktail.search;

/**
 * One candidate's parameters: the values of its space's bounded dimensions, in their order, then
 * its weights on the simplex (empty when the space has none).
 */
public record Point(double[] values, double[] weights) {

    /** Every parameter in the order of the space's names: the dimensions', then the weights. */
    public double[] all() {
        double[] all = new double[values.length + weights.length];
        System.arraycopy(values, 0, all, 0, values.length);
        System.arraycopy(weights, 0, all, values.length, weights.length);
        return all;
    }

    /** Numbers as a command line takes them, comma-separated, each printed so that it reads back exactly. */
    static String join(double[] xs) {
        return String.join(",", java.util.Arrays.stream(xs).mapToObj(Double::toString).toList());
    }

    /** Words for a shell command line, each quoted when it needs to be. */
    static String words(java.util.List<String> words) {
        return String.join(" ", words.stream().map(Point::quoted).toList());
    }

    static String quoted(String word) {
        return word.matches("[A-Za-z0-9_./:=,+-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** The --dtype option of a command line, or "" for the default. */
    static String dtype(dev.cocktail.engine.DType dtype) {
        return dtype == null ? "" : " --dtype " + dtype.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A figure as the table and notes print it. */
    static String format(double x) {
        return String.format(java.util.Locale.ROOT, "%.6f", x);
    }
}
