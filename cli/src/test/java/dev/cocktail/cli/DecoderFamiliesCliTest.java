package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * score, mix --data and eval --generate on Gemma 2 (testdata/decoders/tiny-gemma2 with the
 * cocktail-decoder tokenizer, whose 379 ids fit its 384): the family goes through every command,
 * and the merge keeps its config, generation config, tokenizer and chat template.
 */
class DecoderFamiliesCliTest {

    /** The fixture model with a tokenizer and a chat template; `finalCap` changes its outputs, not its tensors. */
    static Path gemma(Path dir, String name, double finalCap) throws IOException {
        Path src = CliRun.testdata("decoders/tiny-gemma2"), tok = CliRun.testdata("cocktail-decoder/base"), m = dir.resolve(name);
        Files.createDirectories(m);
        for (String f : List.of("model.safetensors", "generation_config.json")) Files.copy(src.resolve(f), m.resolve(f));
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) Files.copy(tok.resolve(f), m.resolve(f));
        Files.writeString(m.resolve("chat_template.jinja"), "{% for m in messages %}<start_of_turn>{{ m['content'] }}<end_of_turn>{% endfor %}");
        ObjectNode config = (ObjectNode) Json.readFile(src.resolve("config.json"));
        Json.writeFile(m.resolve("config.json"), config.put("final_logit_softcapping", finalCap));
        return m;
    }

    @Test
    void scoreMixAndEvalKeepTheFamily(@TempDir Path tmp) throws IOException {
        String a = gemma(tmp, "a", 6.0).toString(), b = gemma(tmp, "b", 2.0).toString();
        String data = CliRun.testdata("cocktail-decoder/examples.jsonl").toString();
        CliRun score = CliRun.of("score", a, b, "--data", data, "--json");
        assertEquals(0, score.status(), score.err());
        JsonNode s = Json.MAPPER.readTree(score.out());
        double la = s.get("models").get(0).get("loss").asDouble(), lb = s.get("models").get(1).get("loss").asDouble();
        assertTrue(Double.isFinite(la) && Double.isFinite(lb) && la != lb, score.out());

        Path out = tmp.resolve("mixed");
        CliRun mix = CliRun.of("mix", a, b, "--data", data, "--output", out.toString());
        assertEquals(0, mix.status(), mix.err());
        assertEquals("gemma2", Json.readFile(out.resolve("config.json")).get("model_type").asText());
        for (String f : List.of("generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja")) {
            assertEquals(Files.readString(tmp.resolve("a").resolve(f)), Files.readString(out.resolve(f)), f + " kept");
        }

        CliRun eval = CliRun.of("eval", out.toString(), "--data", data, "--generate", "--max-new-tokens", "4", "--json");
        assertEquals(0, eval.status(), eval.err());
        JsonNode e = Json.MAPPER.readTree(eval.out());
        assertTrue(Double.isFinite(e.get("loss").asDouble()) && e.has("accuracy"), eval.out());
        // both inputs hold the same tensors and the merge takes a's config: it is a, up to the rounding of the weighted sum
        assertEquals(la, e.get("loss").asDouble(), 1e-5);
    }
}
