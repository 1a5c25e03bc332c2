package dev.cocktail.engine;

/** How many threads the kernels and the merges use: one per processor unless told otherwise. */
public final class Threads {
    private Threads() {}

    /** The system property that tells (the command line's --threads sets it before any work starts). */
    public static final String PROPERTY = "cocktail.threads";

    /** The property's value when it is a positive number, else the processors the JVM may use. */
    public static int count() {
        Integer given = Integer.getInteger(PROPERTY);
        return given != null && given > 0 ? given : Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
