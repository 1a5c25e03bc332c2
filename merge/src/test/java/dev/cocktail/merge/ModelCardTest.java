package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model card lists every input weights file with its size, and a sha256 only where it costs no read unless asked. */
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
        Mix.mix(new Mix.Request(TinyModels.dirs(models), new double[] {0.5, 0.5}, false, null, 0, null, new Output(out, false, 1L << 30, hashInputs)),
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
}
