package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recipe's chat_template: auto (the inputs' most common), chatml, an input's, a literal template; written as transformers 5 saves it. */
class ChatTemplateTest {
    @TempDir
    Path tmp;

    static final String ONE = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}";
    static final String TWO = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}";

    Path a, b, c;

    /** Three models: a keeps ONE in tokenizer_config.json, b in chat_template.jinja (with a trailing newline), c has TWO. */
    @BeforeEach
    void models() throws IOException {
        a = TinyModels.write(tmp.resolve("a"), TinyModels.random(1, null, 0));
        b = TinyModels.write(tmp.resolve("b"), TinyModels.random(2, null, 0));
        c = TinyModels.write(tmp.resolve("c"), TinyModels.random(3, null, 0));
        ObjectNode config = JsonNodeFactory.instance.objectNode().put("tokenizer_class", "PreTrainedTokenizerFast").put("chat_template", ONE);
        Json.writeFile(a.resolve("tokenizer_config.json"), config);
        Files.writeString(b.resolve("chat_template.jinja"), ONE + "\n");
        Json.writeFile(c.resolve("tokenizer_config.json"), JsonNodeFactory.instance.objectNode().put("chat_template", TWO));
    }

    private Path merge(String template) throws IOException {
        Path recipe = tmp.resolve("recipe.yml"), out = tmp.resolve("out-" + Integer.toHexString(template.hashCode()));
        Files.writeString(recipe, """
                merge_method: linear
                models:
                  - model: %s
                    parameters: {weight: 0.2}
                  - model: %s
                    parameters: {weight: 0.3}
                  - model: %s
                    parameters: {weight: 0.5}
                chat_template: %s
                """.formatted(c, a, b, Json.MAPPER.writeValueAsString(template)));
        MergekitMerge.merge(new MergekitMerge.Request(recipe, new Output(out, false, 1L << 30, false), 42), Progress.NONE, "test");
        return out;
    }

    /** The template the output holds, both where transformers 5 reads it and in tokenizer_config.json. */
    private static String written(Path out) throws IOException {
        String jinja = Files.readString(out.resolve("chat_template.jinja"));
        assertEquals(jinja, Json.readFile(out.resolve("tokenizer_config.json")).get("chat_template").asText());
        return jinja;
    }

    @Test
    void autoTakesTheTemplateMostInputsHave() throws IOException {
        assertEquals(ONE, written(merge("auto")));
    }

    @Test
    void chatmlAnInputsTemplateOrALiteralTemplate() throws IOException {
        String chatml = written(merge("chatml"));
        assertTrue(chatml.contains("'<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n'"), chatml);
        assertEquals(TWO, written(merge(c.toString())));
        String literal = "{{ messages[0]['content'] }} and nothing else";
        assertEquals(literal, written(merge(literal)));
    }

    @Test
    void withoutAnyInputTemplateAutoWritesNone() throws IOException {
        Files.delete(a.resolve("tokenizer_config.json"));
        Files.delete(b.resolve("chat_template.jinja"));
        Files.delete(c.resolve("tokenizer_config.json"));
        Path out = merge("auto");
        assertFalse(Files.exists(out.resolve("chat_template.jinja")));
    }

    /**
     * Every template mergekit bundles is accepted by name. That each renders mergekit's prompts was
     * checked with jinja2 set up as transformers sets it up (scripts/chat-templates.py); here, that
     * each name writes its own template.
     */
    @Test
    void mergekitsBundledTemplatesByName() throws IOException {
        java.util.Map<String, String> marks = java.util.Map.of("alpaca", "'### '", "chatml", "<|im_start|>", "exaone", "[|endofturn|]",
                "llama3", "<|start_header_id|>", "mistral", "' [INST] '");
        assertEquals(marks.keySet(), java.util.Set.copyOf(ChatTemplate.BUNDLED));
        for (String name : ChatTemplate.BUNDLED) {
            String t = written(merge(name));
            assertEquals(ChatTemplate.bundled(name), t);
            marks.forEach((other, mark) -> assertEquals(other.equals(name), t.contains(mark), name + " holds " + mark));
        }
    }

    @Test
    void unknownValuesAreRefusedBeforeAnythingIsWritten() {
        for (String bad : new String[] {"chatgpt", "llama2", "{{ short }}"}) {
            CocktailException e = assertThrows(CocktailException.class, () -> merge(bad));
            assertTrue(e.getMessage().contains("chat_template '" + bad + "'"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("out-" + Integer.toHexString(bad.hashCode()))));
        }
    }
}
