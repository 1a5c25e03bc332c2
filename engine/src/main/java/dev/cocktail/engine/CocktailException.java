package dev.cocktail.engine;

/**
 * A problem the user can fix: a bad file, a bad option, incompatible models.
 * The message is one sentence that names the file or option and the problem;
 * the command line prints it alone (no stack trace) and exits with status 2.
 */
public class CocktailException extends RuntimeException {
    public CocktailException(String message) {
        super(message);
    }

    public CocktailException(String message, Throwable cause) {
        super(message, cause);
    }
}
