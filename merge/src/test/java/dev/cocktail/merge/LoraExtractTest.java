package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA extraction: PEFT's layout, and a full-rank adapter applied to the base gives back the fine-tuned model. */
class LoraExtractTest {
    @TempDir
    Path tmp;

    private static float[] values(Tensor t) {
        float[] v = new float[(int) t.elementCount()];
        t.toF32(0, v, 0, v.length);
        return v;
    }

    private Path extract(int rank, String out) {
        Path dir = tmp.resolve(out);
        LoraExtract.extract(new LoraExtract.Request(ModelDir.resolve(TestData.example("models/base").toString()),
                ModelDir.resolve(TestData.example("models/ft-sort").toString()), rank, new Output(dir, false, 5_000_000_000L, false)),
                Progress.NONE, "test");
        return dir;
    }

    @Test
    void fullRankAdapterAppliedAsPeftDoesGivesTheFineTunedModel() throws IOException {
        Path dir = extract(4096, "full");
        JsonNode config = Json.readFile(dir.resolve(LoraExtract.CONFIG));
        assertEquals("LORA", config.get("peft_type").asText());
        double scaling = config.get("lora_alpha").asDouble() / config.get("r").asDouble();
        try (Checkpoint base = Checkpoint.open(TestData.example("models/base"));
             Checkpoint ft = Checkpoint.open(TestData.example("models/ft-sort"));
             Checkpoint lora = Checkpoint.openFile(dir.resolve(LoraExtract.WEIGHTS))) {
            int checked = 0;
            for (Tensor b : base.tensors()) {
                String module = "base_model.model." + b.name().substring(0, b.name().length() - ".weight".length());
                float[] want = values(ft.require(b.name())), x = values(b);
                double[] got = new double[x.length];
                if (b.rank() == 1) {
                    float[] saved = values(lora.require("base_model.model." + b.name()));
                    for (int i = 0; i < x.length; i++) got[i] = saved[i];
                } else {
                    int m = b.dim(0), n = b.dim(1);
                    boolean embedding = lora.tensor(module + ".lora_embedding_A") != null;
                    Tensor ta = lora.require(module + (embedding ? ".lora_embedding_A" : ".lora_A.weight"));
                    Tensor tb = lora.require(module + (embedding ? ".lora_embedding_B" : ".lora_B.weight"));
                    float[] a = values(ta), bb = values(tb);
                    int r = ta.dim(0), cols = ta.dim(1);
                    assertEquals(Math.min(m, n), r, b.name() + ": full rank");
                    // PEFT: W + scaling B A, for an embedding W + scaling (B A)^T
                    for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int k = 0; k < r; k++) s += embedding ? (double) bb[j * r + k] * a[k * cols + i] : (double) bb[i * r + k] * a[k * cols + j];
                        got[i * n + j] = x[i * n + j] + scaling * s;
                    }
                }
                for (int i = 0; i < x.length; i++) assertEquals(want[i], got[i], 1e-4, b.name() + "[" + i + "]");
                checked++;
            }
            assertEquals(base.tensors().size(), checked);
        }
        assertTrue(config.get("target_modules").toString().contains("model.layers.0.self_attn.q_proj"));
        assertTrue(config.get("modules_to_save").toString().contains("model.norm"));
    }

    @Test
    void lowRankAdapterHasTheRankAskedAndTheSameBitsEachTime() throws IOException {
        Path one = extract(8, "one"), two = extract(8, "two");
        assertArrayEquals(Files.readAllBytes(one.resolve(LoraExtract.WEIGHTS)), Files.readAllBytes(two.resolve(LoraExtract.WEIGHTS)));
        try (Checkpoint lora = Checkpoint.openFile(one.resolve(LoraExtract.WEIGHTS))) {
            assertArrayEquals(new long[] {8, 128}, lora.require("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
            assertArrayEquals(new long[] {352, 8}, lora.require("base_model.model.model.layers.0.mlp.up_proj.lora_B.weight").shape());
            assertArrayEquals(new long[] {8, 292}, lora.require("base_model.model.model.embed_tokens.lora_embedding_A").shape());
        }
        assertEquals(8, Json.readFile(one.resolve(LoraExtract.CONFIG)).get("r").asInt());
    }

    /** A rank-k matrix is recovered exactly at rank k; truncation keeps the largest singular directions. */
    @Test
    void lowRankRecoversALowRankMatrixAndTruncatesToTheDominantPart() {
        Random random = new Random(3);
        int m = 40, n = 25;
        float[] d = new float[m * n];
        double[] scale = {10, 5, 1};
        for (int k = 0; k < 3; k++) {
            double[] u = random.doubles(m).map(x -> x - 0.5).toArray(), v = random.doubles(n).map(x -> x - 0.5).toArray();
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) d[i * n + j] += (float) (scale[k] * u[i] * v[j]);
        }
        LowRank.Factors three = LowRank.factor(d, m, n, 3, 1), two = LowRank.factor(d, m, n, 2, 1);
        double err3 = 0, err2 = 0, norm = 0;
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
            double s3 = 0, s2 = 0;
            for (int k = 0; k < 3; k++) s3 += three.b()[i * 3 + k] * three.a()[k * n + j];
            for (int k = 0; k < 2; k++) s2 += two.b()[i * 2 + k] * two.a()[k * n + j];
            err3 = Math.max(err3, Math.abs(s3 - d[i * n + j]));
            err2 += (s2 - d[i * n + j]) * (s2 - d[i * n + j]);
            norm += d[i * n + j] * d[i * n + j];
        }
        assertTrue(err3 < 1e-5, "rank 3 exact: " + err3);
        assertTrue(err2 > 0 && err2 < 0.1 * norm, "rank 2 leaves the smallest component: " + err2 / norm);
    }
}
