package dev.cocktail.cli;

import dev.cocktail.engine.Progress;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars when stderr is a terminal, silence otherwise (a log file never gets a bar). A bar
 * redraws its one line with carriage returns and no other control codes or colors, and a finished
 * bar ends its line, so what the command prints next starts on a line of its own.
 */
final class TerminalProgress implements Progress {
    /**
     * Where bin/cocktail says the terminal is when stderr was one: it filters the JVM's stderr
     * through a pipe, and a bar sent down that pipe would reach the screen after the results that
     * stdout printed meanwhile, and draw over them.
     */
    static final String TERMINAL_PROPERTY = "cocktail.progress";

    /** Set by --quiet for this run. */
    static volatile boolean quiet;

    private final PrintStream terminal;
    private ProgressBar bar;

    private TerminalProgress(PrintStream terminal) {
        this.terminal = terminal;
    }

    /** A bar when stderr goes to a terminal and --quiet was not given, else Progress.NONE. */
    static Progress forTerminal() {
        if (quiet) return Progress.NONE;
        String given = System.getProperty(TERMINAL_PROPERTY);
        try {
            if (given != null) return new TerminalProgress(new PrintStream(new FileOutputStream(given), true));
        } catch (IOException e) {
            return Progress.NONE;
        }
        return stderrIsTerminal() ? new TerminalProgress(System.err) : Progress.NONE;
    }

    /** Whether file descriptor 2 is a terminal device (Linux names them /dev/pts/N and /dev/ttyN). */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The terminal's width as bin/cocktail found it, else as the shell exports it, else 80 columns; the bar keeps one free. */
    private static int width() {
        String columns = System.getProperty("cocktail.columns", "");
        if (columns.isBlank()) columns = System.getenv().getOrDefault("COLUMNS", "80");
        try {
            return Math.max(40, Integer.parseInt(columns.trim())) - 1;
        } catch (NumberFormatException e) {
            return 79;
        }
    }

    @Override
    public synchronized void start(String task, long total, String unit) {
        finish();
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(terminal, width()));
        if (unit.equals("B")) b.setUnit(" MB", 1_000_000);
        else b.setUnit(" " + unit, 1);
        bar = b.build();
    }

    @Override
    public synchronized void advance(long units) {
        if (bar != null) bar.stepBy(units);
    }

    /** A note after the current bar's count, such as the best figure so far. */
    synchronized void note(String text) {
        if (bar != null) bar.setExtraMessage(text);
    }

    @Override
    public synchronized void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
