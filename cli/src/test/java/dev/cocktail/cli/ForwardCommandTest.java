package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Tensor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardCommandTest {

    @Test
    void lossAndLogitsOfAFixtureModel(@TempDir Path dir) throws IOException {
        String name = "tiny-gqa-bf16";
        JsonNode expected = Json.readFile(CliRun.testdata("llama/expected.json")).get("models").get(name);
        try (Checkpoint ref = Checkpoint.openFile(CliRun.testdata("llama/expected.safetensors"))) {
            Tensor idsTensor = ref.require(name + ".input_ids");
            StringJoiner ids = new StringJoiner(",");
            for (int i = 0; i < idsTensor.elementCount(); i++) {
                ids.add(Long.toString(idsTensor.data().get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8L * i)));
            }
            Path out = dir.resolve("logits.safetensors");
            CliRun r = CliRun.of("forward", CliRun.testdata("llama/" + name).toString(), "--ids", ids.toString(),
                    "--logits-out", out.toString(), "--json");
            assertEquals(0, r.status(), r.err());
            JsonNode j = Json.MAPPER.readTree(r.out());
            assertEquals(expected.get("n").asInt(), j.get("tokens").asInt());
            assertEquals(expected.get("loss").asDouble(), j.get("loss").asDouble(), 1e-5);
            try (Checkpoint written = Checkpoint.openFile(out)) {
                Tensor got = written.require("logits"), want = ref.require(name + ".logits");
                assertEquals(want.shapeString(), got.shapeString());
                float[] a = new float[(int) got.elementCount()], b = new float[a.length];
                got.toF32(0, a, 0, a.length);
                want.toF32(0, b, 0, b.length);
                for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4, "logit " + i);
            }
        }
    }

    @Test
    void badIdsAreOneSentence() {
        CliRun r = CliRun.of("forward", CliRun.testdata("llama/tiny-mha-f32").toString(), "--ids", "1,x,3");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--ids"), r.err());
        CliRun far = CliRun.of("forward", CliRun.testdata("llama/tiny-mha-f32").toString(), "--ids", "1,100000");
        assertEquals(2, far.status());
        assertTrue(far.err().contains("100000") && far.err().contains("vocabulary"), far.err());
        CliRun text = CliRun.of("forward", CliRun.testdata("llama/tiny-mha-f32").toString(), "--ids", "1,5,9");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().startsWith("tokens  3"), text.out());
    }
}
