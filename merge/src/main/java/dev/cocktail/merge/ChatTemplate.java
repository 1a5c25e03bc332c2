package dev.cocktail.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A recipe's `chat_template`, as mergekit's _set_chat_template reads it: `auto` takes the template
 * most of the inputs have (the first of those met in recipe order on a tie; none when no input has
 * one), `chatml` is the ChatML template, and any other value with a `{` and at least 20 characters is
 * a Jinja template itself. Besides, the name of an input (as the recipe writes it) takes that
 * model's template. The chosen template is written as transformers 5 (which mergekit uses) saves a
 * tokenizer's, to chat_template.jinja, and also into tokenizer_config.json when there is one, for
 * older readers.
 */
final class ChatTemplate {
    private ChatTemplate() {}

    static final String FILE = "chat_template.jinja", TOKENIZER_CONFIG = "tokenizer_config.json";

    /** ChatML: each message as <|im_start|>ROLE\nCONTENT<|im_end|>\n, then the assistant's turn when asked. */
    private static final String CHATML = "{%- for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content']"
            + " + '<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}";
    /** mergekit's other bundled templates, which Cocktail does not carry. */
    private static final Set<String> NOT_BUNDLED = Set.of("llama3", "mistral", "alpaca", "exaone");

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
        if (value.equals("chatml")) return CHATML;
        if (NOT_BUNDLED.contains(value)) {
            throw new CocktailException(where + ": chat_template '" + value + "' names a template bundled with mergekit but not with Cocktail"
                    + " (only chatml is); write the template itself, or name an input model whose template to take.");
        }
        ModelDir model = inputs.get(value);
        if (model != null) {
            String t = of(model);
            if (t == null) throw new CocktailException(where + ": chat_template names " + value + ", which has no chat template.");
            return t;
        }
        if (value.length() < 20 || !value.contains("{")) {
            throw new CocktailException(where + ": chat_template '" + value + "' is not auto, chatml, an input model or a Jinja template.");
        }
        return value;
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
