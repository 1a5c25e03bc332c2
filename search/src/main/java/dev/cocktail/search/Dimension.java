package dev.cocktail.search;

/** One searched number and its bounds, both included: an alpha, a temperature, a recipe's weight. */
public record Dimension(String name, double lo, double hi) {

    /** The value at u in [0, 1] of the way from lo to hi. */
    double at(double u) {
        return u <= 0 ? lo : u >= 1 ? hi : lo + u * (hi - lo);
    }
}
