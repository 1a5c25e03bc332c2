package dev.cocktail.cli;

import dev.cocktail.engine.Progress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr when it is a terminal; silence when output is redirected. */
final class TerminalProgress implements Progress {
    private ProgressBar bar;

    /** A bar when stderr goes to a terminal, else Progress.NONE. */
    static Progress forTerminal() {
        return System.console() != null && System.console().isTerminal() ? new TerminalProgress() : Progress.NONE;
    }

    @Override
    public synchronized void start(String task, long total, String unit) {
        finish();
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(250);
        if (unit.equals("B")) b.setUnit(" MB", 1_000_000);
        else b.setUnit(" " + unit, 1);
        bar = b.build();
    }

    @Override
    public synchronized void advance(long units) {
        if (bar != null) bar.stepBy(units);
    }

    @Override
    public synchronized void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
