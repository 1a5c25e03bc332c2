package dev.cocktail.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A plain SVG of a search: one panel per data file's figure and one for the objective. One searched
 * parameter: the figure against it, a curve (as the LM-Cocktail paper plots performance against
 * alpha). Two: a heat map over both, each candidate a cell coloured by its figure. More: the figure
 * against the candidate's index. The best candidate is ringed in red. Every mark carries its
 * candidate's index and values as data- attributes, so the picture can be checked against the table.
 */
public final class SearchPlot {
    private SearchPlot() {}

    private static final int W = 640, H = 280, LEFT = 70, RIGHT = 20, TOP = 36, BOTTOM = 44;

    public static String svg(Search.Result r) {
        List<String> titles = new ArrayList<>(SearchReport.dataNames(r.request().objective().data()));
        titles.add("objective");
        int panels = titles.size();
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                W, H * panels));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        for (int k = 0; k < panels; k++) panel(s, r, k, titles.get(k), k * H);
        return s.append("</svg>\n").toString();
    }

    /** The figure a panel plots: data file k's, or the objective for the last panel. */
    private static double value(Search.Row row, int k) {
        return k < row.figures().length ? row.figures()[k] : row.objective();
    }

    private static void panel(StringBuilder s, Search.Result r, int k, String title, int y0) {
        List<Search.Row> rows = r.rows().stream().sorted(Comparator.comparingInt(Search.Row::index)).toList();
        int params = r.parameters().size();
        boolean heat = params == 2;
        String xName = params == 1 || heat ? r.parameters().getFirst() : "candidate";
        double[] xs = rows.stream().mapToDouble(row -> params == 1 || heat ? row.point().all()[0] : row.index()).toArray();
        double[] ys = heat ? rows.stream().mapToDouble(row -> row.point().all()[1]).toArray()
                : rows.stream().mapToDouble(row -> value(row, k)).toArray();
        double[] vs = rows.stream().mapToDouble(row -> value(row, k)).toArray();
        Scale x = Scale.of(xs, LEFT, W - RIGHT), y = Scale.of(ys, y0 + H - BOTTOM, y0 + TOP), v = Scale.of(vs, 0, 1);
        s.append(String.format(Locale.ROOT, "<g class=\"panel\" data-figure=\"%s\">%n", escape(title)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s%s</text>%n", LEFT, y0 + 20, escape(title),
                heat ? " (colour: " + escape(title) + ", darker is lower)" : ""));
        axes(s, x, y, xName, heat ? r.parameters().get(1) : title, y0);
        if (heat) {
            double cw = (W - RIGHT - LEFT) / (double) distinct(xs), ch = (H - TOP - BOTTOM) / (double) distinct(ys);
            for (int i = 0; i < rows.size(); i++) {
                s.append(String.format(Locale.ROOT,
                        "<rect class=\"point\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" data-candidate=\"%d\" data-x=\"%s\" data-y=\"%s\" data-value=\"%s\"/>%n",
                        x.at(xs[i]) - cw / 2, y.at(ys[i]) - ch / 2, cw, ch, colour(v.at(vs[i])), rows.get(i).index(), xs[i], ys[i], vs[i]));
            }
        } else {
            Integer[] order = new Integer[rows.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            java.util.Arrays.sort(order, Comparator.comparingDouble(i -> xs[i]));
            StringBuilder line = new StringBuilder();
            for (int i : order) line.append(String.format(Locale.ROOT, "%.2f,%.2f ", x.at(xs[i]), y.at(ys[i])));
            s.append("<polyline fill=\"none\" stroke=\"#3366aa\" stroke-width=\"1.5\" points=\"").append(line.toString().strip()).append("\"/>\n");
            for (int i = 0; i < rows.size(); i++) {
                s.append(String.format(Locale.ROOT,
                        "<circle class=\"point\" cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"#3366aa\" data-candidate=\"%d\" data-x=\"%s\" data-value=\"%s\"/>%n",
                        x.at(xs[i]), y.at(ys[i]), rows.get(i).index(), xs[i], vs[i]));
            }
        }
        int b = rows.indexOf(r.best());
        s.append(String.format(Locale.ROOT, "<circle class=\"best\" cx=\"%.2f\" cy=\"%.2f\" r=\"7\" fill=\"none\" stroke=\"red\" stroke-width=\"2\" data-candidate=\"%d\"/>%n",
                x.at(xs[b]), y.at(ys[b]), r.best().index()));
        s.append("</g>\n");
    }

    private static void axes(StringBuilder s, Scale x, Scale y, String xName, String yName, int y0) {
        int bottom = y0 + H - BOTTOM;
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, bottom, W - RIGHT, bottom));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, y0 + TOP, LEFT, bottom));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT, bottom + 16, tick(x.lo)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", W - RIGHT, bottom + 16, tick(x.hi)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", (LEFT + W - RIGHT) / 2, bottom + 34, escape(xName)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LEFT - 4, bottom, tick(y.lo)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LEFT - 4, y0 + TOP + 10, tick(y.hi)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", 4, y0 + TOP - 6, escape(yName)));
    }

    /** A linear map of [lo, hi] onto [from, to]; a single value maps to the middle. */
    private record Scale(double lo, double hi, double from, double to) {
        static Scale of(double[] v, double from, double to) {
            double lo = java.util.Arrays.stream(v).min().orElse(0), hi = java.util.Arrays.stream(v).max().orElse(1);
            return new Scale(lo, hi, from, to);
        }

        double at(double x) {
            return hi > lo ? from + (x - lo) / (hi - lo) * (to - from) : (from + to) / 2;
        }
    }

    private static long distinct(double[] v) {
        return java.util.Arrays.stream(v).distinct().count();
    }

    /** Dark blue (0) to yellow (1). */
    private static String colour(double t) {
        int r = (int) Math.round(20 + t * 230), g = (int) Math.round(30 + t * 200), b = (int) Math.round(110 - t * 80);
        return String.format("#%02x%02x%02x", r, g, b);
    }

    private static String tick(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
