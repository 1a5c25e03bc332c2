package dev.cocktail.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The table of every candidate, best first, as text or JSON. */
public final class SearchReport {
    private SearchReport() {}

    /** The column of a data file: its file name (its path when two share a name). */
    static List<String> dataNames(List<Path> data) {
        List<String> names = new ArrayList<>();
        for (Path p : data) {
            String n = p.getFileName() == null ? p.toString() : p.getFileName().toString();
            names.add(data.stream().filter(q -> q.getFileName() != null && q.getFileName().toString().equals(n)).count() > 1 ? p.toString() : n);
        }
        return names;
    }

    public static void table(PrintWriter out, Search.Result r) {
        Objective o = r.request().objective();
        for (String note : r.notes()) out.println(note);
        List<String> head = new ArrayList<>(List.of("rank", "#"));
        head.addAll(r.parameters());
        head.addAll(dataNames(o.data()));
        head.add("objective");
        List<List<String>> cells = new ArrayList<>();
        cells.add(head);
        int rank = 1;
        for (Search.Row row : r.rows()) {
            List<String> line = new ArrayList<>(List.of(Integer.toString(rank++), Integer.toString(row.index())));
            for (double x : row.point().all()) line.add(String.format(Locale.ROOT, "%.4f", x));
            for (double f : row.figures()) line.add(Point.format(f));
            line.add(Point.format(row.objective()));
            cells.add(line);
        }
        int[] width = new int[head.size()];
        for (List<String> line : cells) for (int i = 0; i < width.length; i++) width[i] = Math.max(width[i], line.get(i).length());
        for (List<String> line : cells) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                if (i > 0) b.append("  ");
                b.append(" ".repeat(width[i] - line.get(i).length())).append(line.get(i));
            }
            out.println(b.toString().stripTrailing());
        }
        out.println(o.metric().name().toLowerCase(Locale.ROOT) + " per data file; objective = "
                + (o.data().size() == 1 ? "that figure" : "weighted mean (weights " + Point.join(o.dataWeights()) + ")")
                + ", " + (o.metric() == Objective.Metric.LOSS ? "lower" : "higher") + " is better; "
                + r.rows().size() + " candidates, " + r.request().strategy().name().toLowerCase(Locale.ROOT)
                + (r.request().strategy() == Strategy.CMAES ? " seed " + r.request().seed() : ""));
    }

    /**
     * @param space   the searched space, which gives each candidate's command (writing to DIR) and recipe
     * @param command the command that writes the best candidate to the search's output
     */
    public static ObjectNode json(Search.Result r, Space space, String command) {
        Objective o = r.request().objective();
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("space", r.request().space());
        root.put("strategy", r.request().strategy().name().toLowerCase(Locale.ROOT));
        root.put("seed", r.request().seed());
        root.put("metric", o.metric().name().toLowerCase(Locale.ROOT));
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < o.data().size(); i++) data.addObject().put("file", o.data().get(i).toString()).put("weight", o.dataWeights()[i]);
        r.parameters().forEach(root.putArray("parameters")::add);
        r.notes().forEach(root.putArray("notes")::add);
        ArrayNode rows = root.putArray("candidates");
        List<String> names = dataNames(o.data());
        for (Search.Row row : r.rows()) {
            ObjectNode c = rows.addObject();
            c.put("index", row.index());
            ObjectNode params = c.putObject("parameters");
            double[] all = row.point().all();
            for (int i = 0; i < all.length; i++) params.put(r.parameters().get(i), all[i]);
            ObjectNode figures = c.putObject("figures");
            for (int i = 0; i < row.figures().length; i++) figures.put(names.get(i), row.figures()[i]);
            c.put("objective", row.objective());
            c.put("command", space.command(row.point(), "DIR", "recipe.yml"));
            String recipe = space.recipe(row.point());
            if (recipe != null) c.put("recipe", recipe);
        }
        if (command != null) root.put("command", command);
        return root;
    }
}
