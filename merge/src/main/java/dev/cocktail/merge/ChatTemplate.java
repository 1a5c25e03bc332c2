package dev.cocktail.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recipe's `chat_template`, as mergekit's _set_chat_template reads it: `auto` takes the template
 * most of the inputs have (the first of those met in recipe order on a tie; none when no input has
 * one), the name of a template mergekit bundles (alpaca, chatml, exaone, llama3, mistral) is that
 * template, and any other value with a `{` and at least 20 characters is a Jinja template itself.
 * Besides, the name of an input (as the recipe writes it) takes that model's template. The chosen
 * template is written as transformers 5 (which mergekit uses) saves a tokenizer's, to
 * chat_template.jinja, and also into tokenizer_config.json when there is one, for older readers.
 *
 * The bundled templates (resources chat_templates/NAME.jinja) are Cocktail's own text: rendered as
 * transformers renders templates (trim_blocks, lstrip_blocks), each gives mergekit's template's
 * prompts character for character, including what that rendering does to mergekit's line ends and
 * indentation (llama3 ends each turn with a newline, exaone indents).
 */
final class ChatTemplate {
    private ChatTemplate() {}

    static final String FILE = "chat_template.jinja", TOKENIZER_CONFIG = "tokenizer_config.json";

    /** The names of mergekit's bundled templates (mergekit/_data/chat_templates), each a resource here. */
    static final List<String> BUNDLED = List.of("alpaca", "chatml", "exaone", "llama3", "mistral");

    /**
     * The template the value asks for, or null (auto, and no input has one).
     *
     * @param inputs the recipe's models by the names it gives them, in recipe order
     */
    static String resolve(String value, Map<String, ModelDir> inputs, String where) {
        if (value.equals("auto")) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (ModelDir m : inputs.values()) {
                String t = of(m);
                if (t != null) counts.merge(t.strip(), 1, Integer::sum);
            }
            return counts.entrySet().stream().reduce((a, b) -> b.getValue() > a.getValue() ? b : a).map(Map.Entry::getKey).orElse(null);
        }
        if (BUNDLED.contains(value)) return bundled(value);
        ModelDir model = inputs.get(value);
        if (model != null) {
            String t = of(model);
            if (t == null) throw new CocktailException(where + ": chat_template names " + value + ", which has no chat template.");
            return t;
        }
        if (value.length() < 20 || !value.contains("{")) {
            throw new CocktailException(where + ": chat_template '" + value + "' is not auto, a bundled template (" + String.join(", ", BUNDLED)
                    + "), an input model or a Jinja template.");
        }
        return value;
    }

    /** The bundled template of that name. */
    static String bundled(String name) {
        try (InputStream in = ChatTemplate.class.getResourceAsStream("chat_templates/" + name + ".jinja")) {
            if (in == null) throw new IllegalStateException("chat_templates/" + name + ".jinja is missing from Cocktail's jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A model's chat template as transformers loads it: chat_template.jinja, else tokenizer_config.json's (its "default" of several); or null. */
    static String of(ModelDir model) {
        Path jinja = model.path().resolve(FILE), config = model.path().resolve(TOKENIZER_CONFIG);
        try {
            if (Files.isRegularFile(jinja)) return Files.readString(jinja);
        } catch (IOException e) {
            throw new CocktailException(jinja + ": cannot be read (" + CocktailException.reason(e) + ").", e);
        }
        if (!Files.isRegularFile(config)) return null;
        JsonNode t = Json.readFile(config).path("chat_template");
        if (t.isTextual()) return t.asText();
        for (JsonNode named : t.isArray() ? t : List.<JsonNode>of()) {
            if (named.path("name").asText().equals("default") && named.path("template").isTextual()) return named.path("template").asText();
        }
        return null;
    }

    /** Writes the template into the output folder, whose tokenizer files are already there. */
    static void write(Path dir, String template) throws IOException {
        Files.writeString(dir.resolve(FILE), template);
        Path config = dir.resolve(TOKENIZER_CONFIG);
        if (Files.isRegularFile(config) && Json.readFile(config) instanceof ObjectNode c) {
            c.put("chat_template", template);
            Json.writeFile(config, c);
        }
    }
}
