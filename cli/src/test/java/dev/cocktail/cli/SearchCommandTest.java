package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `cocktail search` end to end: for every space, each candidate's reported figures equal those that
 * `score` (or `eval --generate`) gives on the candidate written by the command the search reports;
 * the best is byte-identical to what its reproducing command writes; a seeded search repeats its
 * table; bad input is refused in one sentence with nothing written; the plot's marks are the table's.
 */
class SearchCommandTest {
    static String demo(String m) {
        return CliRun.examples("models/" + m).toString();
    }

    static String fewshot(String task) {
        return CliRun.examples("fewshot/" + task + ".jsonl").toString();
    }

    static String encoder(String m) {
        return CliRun.testdata("cocktail-encoder/" + m).toString();
    }

    static JsonNode search(Path out, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("search"));
        all.addAll(List.of(args));
        all.addAll(List.of("--output", out.toString(), "--json"));
        CliRun r = CliRun.of(all.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        return Json.MAPPER.readTree(r.out());
    }

    /** Runs a candidate's reported command (its recipe written beside it), then scores what it wrote on each data file. */
    static void checkCandidates(JsonNode result, Path tmp, boolean accuracy, int atLeast, String... scoring) throws IOException {
        JsonNode candidates = result.get("candidates");
        assertTrue(candidates.size() >= atLeast, candidates.size() + " candidates");
        for (JsonNode c : candidates) {
            Path dir = tmp.resolve("candidate-" + c.get("index").asInt());
            Path recipe = tmp.resolve("recipe-" + c.get("index").asInt() + ".yml");
            if (c.has("recipe")) Files.writeString(recipe, c.get("recipe").asText());
            String command = c.get("command").asText().replace("recipe.yml", recipe.toString()).replace("DIR", dir.toString());
            List<String> words = new ArrayList<>(List.of(command.split(" ")));
            assertEquals("cocktail", words.removeFirst());
            CliRun made = CliRun.of(words.toArray(String[]::new));
            assertEquals(0, made.status(), command + "\n" + made.err());
            int i = 0;
            for (JsonNode d : result.get("data")) {
                double want = figure(c, i);
                CliRun check = accuracy
                        ? CliRun.of("eval", dir.toString(), "--data", d.get("file").asText(), "--generate", "--json")
                        : CliRun.of(Stream.concat(Stream.of("score", dir.toString(), "--data", d.get("file").asText(), "--json"),
                        Stream.of(scoring)).toArray(String[]::new));
                assertEquals(0, check.status(), check.err());
                JsonNode got = Json.MAPPER.readTree(check.out());
                double figure = accuracy ? got.get("accuracy").asDouble() : got.get("models").get(0).get("loss").asDouble();
                assertEquals(figure, want, 1e-5, "candidate " + c.get("index") + " on " + d.get("file"));
                i++;
            }
        }
    }

    static double figure(JsonNode candidate, int i) {
        List<JsonNode> figures = new ArrayList<>();
        candidate.get("figures").elements().forEachRemaining(figures::add);
        return figures.get(i).asDouble();
    }

    /** The best candidate as the search wrote it, and as its reproduce.sh or recipe.yml writes it: the same bytes. */
    static void checkBestReproduced(Path out, Path tmp) throws IOException {
        Path again = tmp.resolve("again");
        String[] words;
        if (Files.exists(out.resolve("recipe.yml"))) {
            words = new String[] {"merge", out.resolve("recipe.yml").toString(), "--output", again.toString()};
        } else {
            String command = Files.readAllLines(out.resolve("reproduce.sh")).getLast();
            List<String> w = new ArrayList<>(List.of(command.replace(" --output " + out, " --output " + again).split(" ")));
            w.removeFirst();
            words = w.toArray(String[]::new);
        }
        CliRun r = CliRun.of(words);
        assertEquals(0, r.status(), r.err());
        for (String f : List.of("model.safetensors", "config.json")) {
            assertEquals(-1, Files.mismatch(out.resolve(f), again.resolve(f)), f + " differs from " + String.join(" ", words));
        }
        assertTrue(Files.readString(out.resolve("README.md")).contains("found by cocktail search"), "the card names the recipe");
    }

    @Test
    void exmeOnTheDemo(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("best");
        JsonNode r = search(out, demo("base"), demo("ft-sort"), demo("ft-count"), "--space", "exme",
                "--data", fewshot("sort"), "--data", fewshot("add"), "--budget", "8");
        assertEquals(List.of("alpha " + demo("ft-sort"), "alpha " + demo("ft-count"), "w " + demo("ft-sort"), "w " + demo("ft-count")),
                names(r.get("parameters")));
        checkCandidates(r, tmp, false, 8);
        checkBestReproduced(out, tmp);
    }

    @Test
    void exmeSelectsTheBestFineTunedModel(@TempDir Path tmp) throws IOException {
        JsonNode r = search(tmp.resolve("best"), demo("base"), demo("ft-sort"), demo("ft-count"), "--space", "exme", "--select", "1",
                "--data", fewshot("sort"), "--budget", "5");
        assertEquals(List.of("alpha " + demo("ft-sort")), names(r.get("parameters")));
        assertEquals(5, r.get("candidates").size());
    }

    @Test
    void cocktailOnTheDemoByAccuracy(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("best");
        JsonNode r = search(out, demo("base"), demo("ft-sort"), demo("ft-count"), "--space", "cocktail", "--metric", "accuracy",
                "--data", fewshot("sort"), "--data", fewshot("upper"), "--data-weight", "2,1", "--budget", "9");
        assertEquals(9, r.get("candidates").size());
        checkCandidates(r, tmp, true, 9);
        checkBestReproduced(out, tmp);
        JsonNode best = r.get("candidates").get(0);
        assertEquals((2 * figure(best, 0) + figure(best, 1)) / 3, best.get("objective").asDouble(), 1e-12);
        for (JsonNode c : r.get("candidates")) assertTrue(c.get("objective").asDouble() <= best.get("objective").asDouble());
    }

    @Test
    void weightsOnTheEncoderByCmaes(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("best");
        String[] args = {encoder("base"), encoder("ft-a"), encoder("ft-b"), "--space", "weights", "--strategy", "cmaes",
                "--budget", "6", "--seed", "7", "--neg-number", "3", "--data", CliRun.testdata("cocktail-encoder/examples.jsonl").toString()};
        JsonNode r = search(out, args);
        checkCandidates(r, tmp, false, 6, "--neg-number", "3", "--seed", "7");
        checkBestReproduced(out, tmp);
        JsonNode again = search(tmp.resolve("again-search"), args);
        assertEquals(r.get("candidates").toString().replace(out.toString(), "DIR"), again.get("candidates").toString());
        List<String> other = new ArrayList<>(List.of(args));
        other.set(other.indexOf("7"), "8");
        assertNotEquals(r.get("candidates"), search(tmp.resolve("other-seed"), other.toArray(String[]::new)).get("candidates"));
    }

    @Test
    void recipeWithRangesOnTheDemo(@TempDir Path tmp) throws IOException {
        Path recipe = tmp.resolve("ties.yml");
        Files.writeString(recipe, """
                models:
                  - model: %s
                  - model: %s
                    parameters:
                      weight: [0.2, 1.0]
                      density: [0.3, 1.0]
                merge_method: ties
                base_model: %s
                parameters:
                  normalize: true
                """.formatted(demo("base"), demo("ft-sort"), demo("base")));
        Path out = tmp.resolve("best");
        JsonNode r = search(out, "--space", recipe.toString(), "--data", fewshot("sort"), "--budget", "9");
        assertEquals(List.of(demo("ft-sort") + " weight", demo("ft-sort") + " density"), names(r.get("parameters")));
        checkCandidates(r, tmp, false, 9);
        checkBestReproduced(out, tmp);
    }

    @Test
    void plotMarksAreTheTablesFigures(@TempDir Path tmp) throws IOException {
        Path curve = tmp.resolve("curve.svg"), heat = tmp.resolve("heat.svg");
        JsonNode one = search(tmp.resolve("one"), demo("base"), demo("ft-sort"), "--space", "exme", "--data", fewshot("sort"),
                "--data", fewshot("reverse"), "--budget", "5", "--plot", curve.toString());
        checkPlot(one, Files.readString(curve), false);
        JsonNode two = search(tmp.resolve("two"), demo("base"), demo("ft-sort"), demo("ft-count"), "--space", "cocktail",
                "--data", fewshot("count"), "--budget", "9", "--plot", heat.toString());
        checkPlot(two, Files.readString(heat), true);
    }

    /** Every candidate has one mark per panel (each data file, then the objective), at its parameters with its figure. */
    static void checkPlot(JsonNode r, String svg, boolean heat) {
        assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        List<String> panels = new ArrayList<>();
        for (String part : svg.split("<g class=\"panel\"")) if (part.startsWith(" data-figure")) panels.add(part);
        assertEquals(r.get("data").size() + 1, panels.size());
        List<String> params = names(r.get("parameters"));
        Pattern mark = Pattern.compile("class=\"point\"[^>]*data-candidate=\"(\\d+)\" data-x=\"([^\"]+)\"(?: data-y=\"([^\"]+)\")? data-value=\"([^\"]+)\"");
        for (int k = 0; k < panels.size(); k++) {
            Map<Integer, MatchResult> marks = new HashMap<>();
            Matcher m = mark.matcher(panels.get(k));
            while (m.find()) marks.put(Integer.parseInt(m.group(1)), m.toMatchResult());
            assertEquals(r.get("candidates").size(), marks.size(), "panel " + k);
            for (JsonNode c : r.get("candidates")) {
                MatchResult got = marks.get(c.get("index").asInt());
                double want = k < r.get("data").size() ? figure(c, k) : c.get("objective").asDouble();
                assertEquals(want, Double.parseDouble(got.group(4)), 0, "panel " + k + " candidate " + c.get("index"));
                assertEquals(c.get("parameters").get(params.get(0)).asDouble(), Double.parseDouble(got.group(2)), 0);
                if (heat) assertEquals(c.get("parameters").get(params.get(1)).asDouble(), Double.parseDouble(got.group(3)), 0);
            }
            int best = r.get("candidates").get(0).get("index").asInt();
            assertTrue(panels.get(k).contains("class=\"best\"") && panels.get(k).matches("(?s).*class=\"best\"[^>]*data-candidate=\"" + best + "\".*"));
        }
    }

    static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void badInputIsOneSentenceAndWritesNothing(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out"), plot = tmp.resolve("p.svg");
        Path outside = tmp.resolve("outside.yml"), empty = tmp.resolve("empty.yml"), gamma = tmp.resolve("gamma.yml");
        String recipe = "models:\n  - model: %s\n  - model: %s\n    parameters:\n      weight: 1.0\n      density: %s\nmerge_method: ties\nbase_model: %s\n";
        Files.writeString(outside, recipe.formatted(demo("base"), demo("ft-sort"), "[0.2, 1.5]", demo("base")));
        Files.writeString(gamma, recipe.formatted(demo("base"), demo("ft-sort"), "0.5\n      gamma: [0.1, 1.5]", demo("base"))
                .replace("ties", "breadcrumbs"));
        Files.writeString(empty, recipe.formatted(demo("base"), demo("ft-sort"), "0.5", demo("base")));
        Path encoderData = Path.of(CliRun.testdata("cocktail-encoder/examples.jsonl").toString());
        List<Map.Entry<String, String[]>> bad = new ArrayList<>();
        bad.add(Map.entry("'density' must be between 0 and 1", new String[] {"--space", outside.toString(), "--data", fewshot("sort")}));
        bad.add(Map.entry("the range [0.1, 1.5] of 'gamma' goes outside its domain [0.0, 1.0]", new String[] {"--space", gamma.toString(), "--data", fewshot("sort")}));
        bad.add(Map.entry("nothing to search", new String[] {"--space", empty.toString(), "--data", fewshot("sort")}));
        bad.add(Map.entry("nothing to search", new String[] {demo("base"), "--space", "weights", "--data", fewshot("sort")}));
        bad.add(Map.entry("--budget must be at least 1", new String[] {demo("base"), demo("ft-sort"), "--space", "weights", "--data", fewshot("sort"), "--budget", "0"}));
        bad.add(Map.entry("below the coarsest grid", new String[] {demo("base"), demo("ft-sort"), demo("ft-count"), "--space", "exme", "--data", fewshot("sort"), "--budget", "3"}));
        bad.add(Map.entry("--metric accuracy needs", new String[] {encoder("base"), encoder("ft-a"), "--space", "weights", "--metric", "accuracy",
                "--data", encoderData.toString()}));
        bad.add(Map.entry(encoderData.toString(), new String[] {demo("base"), demo("ft-sort"), "--space", "weights", "--data", encoderData.toString()}));
        bad.add(Map.entry("--space 'nonsense'", new String[] {demo("base"), demo("ft-sort"), "--space", "nonsense", "--data", fewshot("sort")}));
        for (var e : bad) {
            List<String> args = new ArrayList<>(List.of("search"));
            args.addAll(List.of(e.getValue()));
            args.addAll(List.of("--output", out.toString(), "--plot", plot.toString()));
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, r.status(), String.join(" ", args) + "\n" + r.out() + r.err());
            assertTrue(r.err().contains(e.getKey()), e.getKey() + " in: " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(out), "nothing written: " + String.join(" ", args));
            assertFalse(Files.exists(plot));
        }
    }
}
