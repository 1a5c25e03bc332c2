package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirTest {
    @TempDir
    Path tmp;

    /** A hub cache laid out as huggingface_hub writes it: blobs, refs/main, snapshots/REV. */
    Path hubWithModel(String org, String name, String ref, String commit) throws IOException {
        Path repo = tmp.resolve("hub").resolve("models--" + org + "--" + name);
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(commit));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs").resolve(ref), commit + "\n");
        Files.copy(TestData.path("llama/tiny-mha-f32/model.safetensors"), snap.resolve("model.safetensors"));
        Files.copy(TestData.path("llama/tiny-mha-f32/config.json"), snap.resolve("config.json"));
        return snap;
    }

    @Test
    void resolvesRepoIdsInTheHubCache() throws IOException {
        Path snap = hubWithModel("acme", "tiny", "main", "abc123");
        Map<String, String> env = Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString());
        assertEquals(snap, ModelDir.resolve("acme/tiny", env).path());
        Path other = hubWithModel("acme", "tiny", "v2", "def456");
        assertEquals(other, ModelDir.resolve("acme/tiny@v2", env).path());
        assertEquals(other, ModelDir.resolve("acme/tiny@def456", env).path(), "a commit hash names a snapshot directly");
        CocktailException e = assertThrows(CocktailException.class, () -> ModelDir.resolve("acme/tiny@v9", env));
        assertTrue(e.getMessage().contains("revision 'v9'"), e.getMessage());
    }

    /** MODEL+LORA, as mergekit writes it: each side a folder or a cached repo id; only merges may read it. */
    @Test
    void aModelWithAnAdapterIsResolvedOnBothSidesAndOnlyMergesReadIt() throws IOException {
        Path snap = hubWithModel("acme", "tiny", "main", "abc123");
        Path lora = Files.createDirectories(tmp.resolve("hub/models--acme--tiny-lora/snapshots/c0ffee"));
        Files.createDirectories(tmp.resolve("hub/models--acme--tiny-lora/refs"));
        Files.writeString(tmp.resolve("hub/models--acme--tiny-lora/refs/main"), "c0ffee");
        Map<String, String> env = Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString());
        ModelDir m = ModelDir.resolve("acme/tiny+acme/tiny-lora", env);
        assertEquals(snap, m.path());
        assertEquals(lora, m.adapter());
        assertEquals("acme/tiny+acme/tiny-lora", m.name());
        Path local = Files.createDirectories(tmp.resolve("adapter"));
        assertEquals(local, ModelDir.resolve("acme/tiny+" + local, env).adapter());
        assertEquals(null, ModelDir.resolve("acme/tiny", env).adapter());
        CocktailException e = assertThrows(CocktailException.class, m::openCheckpoint);
        assertTrue(e.getMessage().contains("only read by mix, merge and extrapolate"), e.getMessage());
        e = assertThrows(CocktailException.class, () -> ModelDir.resolve("acme/tiny+" + tmp.resolve("nope"), env));
        assertTrue(e.getMessage().contains("no such LoRA adapter folder"), e.getMessage());
        e = assertThrows(CocktailException.class, () -> ModelDir.resolve("acme/tiny+a+b", env));
        assertTrue(e.getMessage().contains("expected MODEL+LORA"), e.getMessage());
    }

    @Test
    void hubCacheLocationFollowsHuggingFaceRules() {
        assertEquals(Path.of("/a"), ModelDir.hubCache(Map.of("HF_HUB_CACHE", "/a", "HF_HOME", "/b")));
        assertEquals(Path.of("/b/hub"), ModelDir.hubCache(Map.of("HF_HOME", "/b")));
        assertEquals(Path.of(System.getProperty("user.home"), ".cache/huggingface/hub"), ModelDir.hubCache(Map.of()));
    }

    @Test
    void picklesAreRefusedWithTheReason() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        CocktailException e = assertThrows(CocktailException.class, () -> ModelDir.resolve(dir.toString()));
        assertTrue(e.getMessage().contains("pytorch_model.bin") && e.getMessage().contains("arbitrary code"), e.getMessage());
    }

    @Test
    void missingThingsAreNamed() throws IOException {
        CocktailException e = assertThrows(CocktailException.class, () -> ModelDir.resolve(tmp.resolve("nope").toString()));
        assertTrue(e.getMessage().contains("no such model directory"), e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        e = assertThrows(CocktailException.class, () -> ModelDir.resolve(empty.toString()));
        assertTrue(e.getMessage().contains("has no model.safetensors"), e.getMessage());
    }

    @Test
    void shardIndexMustAgreeWithShards() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Path src = TestData.path("llama/tiny-sharded");
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(2, ck.shardCount());
        }
        Path index = dir.resolve(Checkpoint.INDEX);
        String json = Files.readString(index);
        Files.writeString(index, json.replaceFirst("\"model\\.norm\\.weight\"", "\"model.nowhere.weight\""));
        CocktailException e = assertThrows(CocktailException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains(Checkpoint.INDEX), e.getMessage());
        Files.writeString(index, json.replace("model-00001-of-00002.safetensors", "../escape.safetensors"));
        e = assertThrows(CocktailException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("outside the model directory"), e.getMessage());
    }

    @Test
    void aRevisionNeverLeavesTheRepo() throws IOException {
        hubWithModel("acme", "tiny", "main", "abc123");
        Path outside = Files.createDirectories(tmp.resolve("hub/models--acme--other/snapshots/x"));
        Files.copy(TestData.path("llama/tiny-mha-f32/model.safetensors"), outside.resolve("model.safetensors"));
        Map<String, String> env = Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString());
        for (String rev : List.of("../../models--acme--other/snapshots/x", "..", "a//b", "./main")) {
            CocktailException e = assertThrows(CocktailException.class, () -> ModelDir.resolve("acme/tiny@" + rev, env), rev);
            assertTrue(e.getMessage().contains("is not a branch, tag or commit name"), e.getMessage());
        }
        Files.writeString(tmp.resolve("hub/models--acme--tiny/refs/evil"), "../../models--acme--other/snapshots/x\n");
        CocktailException e = assertThrows(CocktailException.class, () -> ModelDir.resolve("acme/tiny@evil", env));
        assertTrue(e.getMessage().contains("not a commit name"), e.getMessage());
    }

    @Test
    void aConfigThatCannotBeReadSaysWhy() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m/config.json"));
        CocktailException e = assertThrows(CocktailException.class, () -> Json.readFile(dir));
        assertTrue(e.getMessage().contains("cannot be read (Is a directory)"), e.getMessage());
    }
}
