package dev.cocktail.engine;

/**
 * How long work reports how far it is. The library calls it; the command line shows a bar
 * on a terminal and nothing otherwise. Implementations must tolerate calls from several threads.
 */
public interface Progress {
    /** A new phase of `total` units (bytes, tokens, examples), named for the user. */
    void start(String task, long total, String unit);

    /** `units` more are done. */
    void advance(long units);

    /** The phase is over. */
    void finish();

    /**
     * Something the user should know that does not stop the work (an input holding NaN, say);
     * on stderr, whether or not progress is shown.
     */
    default void warn(String message) {
        System.err.println("cocktail: warning: " + message);
    }

    Progress NONE = new Progress() {
        @Override
        public void start(String task, long total, String unit) {}

        @Override
        public void advance(long units) {}

        @Override
        public void finish() {}
    };
}
