package dev.cocktail.bench;

import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.merge.Extrapolation;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.OpenModels;
import dev.cocktail.merge.Output;
import dev.cocktail.models.Scoring;
import dev.cocktail.search.LayerwiseEvaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Candidates per minute of a search: N ExPO candidates (each fine-tuned input extrapolated from the
 * base by its alpha, then weighted) over the same few-shot data files, scored either by
 * LayerwiseEvaluator (never written) or by the naive loop (MergePlan.write into SCRATCH, then
 * Scoring.score of the written model, then removed). One mode per process, so that each peak RSS
 * (VmHWM) is its own. Prints the time per candidate split into merge arithmetic and forward pass
 * (layerwise) or write and score (naive), and each candidate's figures, which must agree between
 * the modes.
 * Usage: SearchBench layerwise|naive N SCRATCH DATA[,DATA...] BASE FT1 FT2...
 */
public final class SearchBench {
    private SearchBench() {}

    public static void main(String[] args) throws IOException {
        String mode = args[0];
        int n = Integer.parseInt(args[1]);
        Path scratch = Path.of(args[2]);
        List<Path> data = Arrays.stream(args[3].split(",")).map(Path::of).toList();
        List<ModelDir> models = Arrays.stream(args, 4, args.length).map(ModelDir::resolve).toList();
        Scoring.Options options = Scoring.Options.DEFAULTS;
        List<double[]> figures = new ArrayList<>();
        long[] nanos = new long[n];
        long splitA = 0, splitB = 0, start = System.nanoTime();
        try (OpenModels m = OpenModels.open(models)) {
            List<MergePlan> plans = candidates(m, n);
            if (mode.equals("layerwise")) {
                try (LayerwiseEvaluator e = new LayerwiseEvaluator(m, data, options)) {
                    for (int i = 0; i < n; i++) {
                        long t = System.nanoTime();
                        figures.add(e.evaluate(plans.get(i)));
                        nanos[i] = System.nanoTime() - t;
                    }
                    splitA = e.timing().mergeNanos();
                    splitB = e.timing().forwardNanos();
                }
            } else {
                for (int i = 0; i < n; i++) {
                    long t = System.nanoTime();
                    Path dir = scratch.resolve("candidate-" + i);
                    plans.get(i).write(new Output(dir, false, 5_000_000_000L, false), Progress.NONE, "bench");
                    long written = System.nanoTime();
                    double[] f = new double[data.size()];
                    for (int d = 0; d < f.length; d++) {
                        f[d] = Scoring.score(List.of(ModelDir.resolve(dir.toString())), data.get(d), options, Progress.NONE).losses()[0];
                    }
                    long scored = System.nanoTime();
                    delete(dir);
                    figures.add(f);
                    nanos[i] = System.nanoTime() - t;
                    splitA += written - t;
                    splitB += scored - written;
                }
            }
        }
        double total = (System.nanoTime() - start) / 1e9;
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "%s: %d candidates in %.1f s (from opening the inputs), %.2f candidates/min; per candidate median %.2f s, "
                        + "%s %.2f s + %s %.2f s on average; peak RSS %d MB%n",
                mode, n, total, n / (total / 60), sorted[n / 2] / 1e9, mode.equals("layerwise") ? "merge" : "write", splitA / 1e9 / n,
                mode.equals("layerwise") ? "forward" : "score", splitB / 1e9 / n, peakRssMb());
        for (int i = 0; i < n; i++) System.out.println("figures " + i + " " + Arrays.toString(figures.get(i)));
    }

    /** Candidate i: alpha from 0.1 up, the first fine-tuned model's weight sweeping from 0.3 to 0.7. */
    static List<MergePlan> candidates(OpenModels m, int n) {
        int k = m.size() - 1;
        List<MergePlan> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] w = new double[k];
            double first = k == 1 ? 1 : 0.3 + 0.4 * i / Math.max(1, n - 1);
            w[0] = first;
            for (int j = 1; j < k; j++) w[j] = (1 - first) / (k - 1);
            out.add(Extrapolation.plan(m, new double[] {0.1 + 0.1 * i}, w, null));
        }
        return out;
    }

    private static long peakRssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
        return -1;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
