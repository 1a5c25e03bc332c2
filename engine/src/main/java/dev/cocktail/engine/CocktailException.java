package dev.cocktail.engine;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * A problem the user can fix: a bad file, a bad setting, incompatible models.
 * The message is one sentence that names the file or setting and the problem;
 * the command line prints it alone (no stack trace) and exits with status 2.
 */
public class CocktailException extends RuntimeException {
    private final String setting;

    public CocktailException(String message) {
        this(message, null, null);
    }

    public CocktailException(String message, Throwable cause) {
        this(message, null, cause);
    }

    private CocktailException(String message, String setting, Throwable cause) {
        super(message, cause);
        this.setting = setting;
    }

    /**
     * A problem with a setting of a request. The library's messages are read by Java callers too,
     * so they name settings in words ("the batch size must be at least 1"), never by a command
     * line option; `setting` is those words, as the message holds them, for the command line to
     * put its option in their place ("--batch-size must be at least 1").
     */
    public static CocktailException about(String setting, String message) {
        if (!message.contains(setting)) throw new IllegalArgumentException("'" + message + "' does not name '" + setting + "'");
        return new CocktailException(message, setting, null);
    }

    /** The words naming the setting the problem is about, as the message holds them, or null. */
    public String setting() {
        return setting;
    }

    /**
     * Why a file operation failed, in words: the JDK's file-system exceptions carry the path as their
     * message and the reason apart (or, for the permission and existence cases, only in their type).
     */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileAlreadyExistsException) return "it already exists";
        if (e instanceof DirectoryNotEmptyException) return "directory not empty";
        if (e instanceof NotDirectoryException) return "not a directory";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        String msg = e.getMessage();
        if (msg == null) return e.getClass().getSimpleName();
        // java.io's FileNotFoundException says "PATH (Reason)"
        if (e instanceof FileNotFoundException && msg.endsWith(")") && msg.contains(" (")) {
            return msg.substring(msg.lastIndexOf(" (") + 2, msg.length() - 1);
        }
        return msg;
    }
}
