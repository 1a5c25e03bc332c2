package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model card: YAML front matter the Hub reads (base_model by repo id for hub cache inputs, license when the inputs
 * agree, library and tags), every input weights file with its size, and a sha256 only where it costs no read unless asked.
 */
class ModelCardTest {
    static final String SHARDED = "llama/tiny-sharded";
    static final List<String> SHARDS = List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors");

    @TempDir
    Path tmp;

    /** The sharded fixture laid out as huggingface_hub caches it: snapshot files are symlinks to blobs/SHA256. */
    Path hubSnapshot() throws IOException {
        Path repo = tmp.resolve("hub/models--acme--tiny");
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        Path snap = Files.createDirectories(repo.resolve("snapshots/abc123"));
        try (Stream<Path> files = Files.list(TestData.path(SHARDED))) {
            for (Path f : files.toList()) {
                Path blob = blobs.resolve(ModelCard.sha256(f));
                Files.copy(f, blob);
                Files.createSymbolicLink(snap.resolve(f.getFileName()), Path.of("../../blobs").resolve(blob.getFileName()));
            }
        }
        return snap;
    }

    String mixCard(boolean hashInputs) throws IOException {
        List<String> models = List.of(TestData.path(SHARDED).toString(), hubSnapshot().toString());
        Path out = tmp.resolve("out");
        Mix.mix(new Mix.Request(TinyModels.dirs(models), new float[] {0.5f, 0.5f}, false, null, 0, null, new Output(out, false, 1L << 30, hashInputs)),
                Progress.NONE, "test");
        return Files.readString(out.resolve("README.md"));
    }

    @Test
    void byDefaultOnlyTheHubCacheBlobNamesGiveSha256s() throws IOException {
        String card = mixCard(false);
        for (String shard : SHARDS) {
            Path f = TestData.path(SHARDED).resolve(shard);
            String size = " | " + Files.size(f) + " | ";
            assertTrue(card.contains("| " + TestData.path(SHARDED) + " | " + shard + size + ModelCard.NOT_HASHED + " | weight 0.5 |"), card);
            assertTrue(card.contains(" | " + shard + size + ModelCard.sha256(f) + " | weight 0.5 |"), card);
        }
        assertEquals(2, card.lines().filter(l -> l.contains(ModelCard.NOT_HASHED)).count(), card);
    }

    @Test
    void hashInputsHashesEveryFile() throws IOException {
        String card = mixCard(true);
        assertTrue(!card.contains(ModelCard.NOT_HASHED), card);
        for (String shard : SHARDS) {
            String sha = ModelCard.sha256(TestData.path(SHARDED).resolve(shard));
            assertEquals(2, card.lines().filter(l -> l.contains(sha)).count(), "both inputs' " + shard + ":\n" + card);
        }
    }

    /** The card's front matter, parsed back with the YAML library. */
    static JsonNode frontMatter(String card) throws IOException {
        assertTrue(card.startsWith("---\n"), card);
        int end = card.indexOf("\n---\n", 4);
        assertTrue(end > 0, card);
        return new YAMLMapper().readTree(card.substring(4, end + 1));
    }

    @Test
    void frontMatterNamesHubInputsByRepoIdAndTheMergeByItsTags() throws IOException {
        String card = mixCard(false);
        JsonNode meta = frontMatter(card);
        assertEquals("[\"acme/tiny\"]", meta.get("base_model").toString(), "only the hub cache input has a repo id");
        assertEquals("merge", meta.get("base_model_relation").asText());
        assertEquals("transformers", meta.get("library_name").asText());
        assertEquals("[\"merge\",\"lm-cocktail\",\"cocktail\"]", meta.get("tags").toString());
        assertFalse(meta.has("license"), "the fixtures state no license");
        assertTrue(card.contains(" | weight 0.5 | acme/tiny@abc123 |"), "the revision is in the inputs table:\n" + card);
    }

    private int made;

    /** Two tiny Llama models whose README.md front matter states the given licenses (null: no card). */
    List<String> licensed(String a, String b) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String license : java.util.Arrays.asList(a, b)) {
            Path dir = TinyModels.write(tmp.resolve("m" + made), TinyModels.random(made++, null, 1));
            if (license != null) Files.writeString(dir.resolve("README.md"), "---\nlanguage: en\nlicense: " + license + "\n---\n\n# A model\n");
            out.add(dir.toString());
        }
        return out;
    }

    JsonNode mixFrontMatter(List<String> models, String out) throws IOException {
        Mix.mix(new Mix.Request(TinyModels.dirs(models), new float[] {0.5f, 0.5f}, false, null, 0, null,
                new Output(tmp.resolve(out), false, 1L << 30, false)), Progress.NONE, "test");
        return frontMatter(Files.readString(tmp.resolve(out).resolve("README.md")));
    }

    @Test
    void aLicenseTheInputsAgreeOnIsCarried() throws IOException {
        assertEquals("apache-2.0", mixFrontMatter(licensed("apache-2.0", "apache-2.0"), "out").get("license").asText());
    }

    @Test
    void noLicenseWhenTheInputsDisagreeOrOneStatesNone() throws IOException {
        assertFalse(mixFrontMatter(licensed("apache-2.0", "mit"), "differ").has("license"));
        assertFalse(mixFrontMatter(licensed("apache-2.0", null), "missing").has("license"));
    }

    @Test
    void aLicenseInConfigJsonCounts() throws IOException {
        List<String> models = licensed("llama3", null);
        Path config = Path.of(models.get(1)).resolve("config.json");
        var c = (com.fasterxml.jackson.databind.node.ObjectNode) Json.readFile(config);
        Json.writeFile(config, c.put("license", "llama3"));
        assertEquals("llama3", mixFrontMatter(models, "out").get("license").asText());
    }

    @Test
    void anEncoderIsASentenceTransformersModel() throws IOException {
        Path out = tmp.resolve("enc");
        Mix.mix(new Mix.Request(TinyModels.dirs(List.of(TestData.path("cocktail-encoder/base").toString(),
                        TestData.path("cocktail-encoder/ft-a").toString())), new float[] {0.5f, 0.5f}, false, null, 0, null,
                new Output(out, false, 1L << 30, false)), Progress.NONE, "test");
        assertEquals("sentence-transformers", frontMatter(Files.readString(out.resolve("README.md"))).get("library_name").asText());
    }

    @Test
    void theFirstInputsLicenseFileIsCopied() throws IOException {
        List<String> models = licensed(null, null);
        Files.writeString(Path.of(models.get(1)).resolve("LICENSE.txt"), "second\n");
        Files.writeString(Path.of(models.get(0)).resolve("LICENSE"), "first\n");
        mixFrontMatter(models, "out");
        assertEquals("first\n", Files.readString(tmp.resolve("out/LICENSE")));
        assertFalse(Files.exists(tmp.resolve("out/LICENSE.txt")));
        Files.delete(Path.of(models.get(0)).resolve("LICENSE"));
        mixFrontMatter(models, "out2");
        assertEquals("second\n", Files.readString(tmp.resolve("out2/LICENSE.txt")), "else the next input's");
    }

    @Test
    void configJsonKeepsTheDtypeKeyItHas() throws IOException {
        List<String> models = licensed(null, null);
        for (String m : models) {
            Path config = Path.of(m).resolve("config.json");
            var c = (com.fasterxml.jackson.databind.node.ObjectNode) Json.readFile(config);
            c.remove("torch_dtype");
            Json.writeFile(config, c.put("dtype", "float32"));
        }
        Mix.mix(new Mix.Request(TinyModels.dirs(models), new float[] {0.5f, 0.5f}, false, null, 0, dev.cocktail.engine.DType.BF16,
                new Output(tmp.resolve("new"), false, 1L << 30, false)), Progress.NONE, "test");
        JsonNode c = Json.readFile(tmp.resolve("new/config.json"));
        assertEquals("bfloat16", c.get("dtype").asText());
        assertFalse(c.has("torch_dtype"), c.toString());
        Mix.mix(new Mix.Request(TinyModels.dirs(licensed(null, null)), new float[] {0.5f, 0.5f}, false, null, 0, dev.cocktail.engine.DType.BF16,
                new Output(tmp.resolve("old"), false, 1L << 30, false)), Progress.NONE, "test");
        c = Json.readFile(tmp.resolve("old/config.json"));
        assertEquals("bfloat16", c.get("torch_dtype").asText());
        assertFalse(c.has("dtype"), c.toString());
    }
}
