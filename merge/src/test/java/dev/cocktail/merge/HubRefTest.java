package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hub cache snapshot folder gives its repo id and revision, whichever way it is reached; any other folder none. */
class HubRefTest {
    @TempDir
    Path tmp;

    @Test
    void aSnapshotGivesItsRepoAndRevision() throws IOException {
        Path snap = Files.createDirectories(tmp.resolve("hub/models--BAAI--bge-small-en-v1.5/snapshots/5c38ec7c405ec4b44b94cc5a9bb96e735b38267a"));
        assertEquals(new HubRef("BAAI/bge-small-en-v1.5", "5c38ec7c405ec4b44b94cc5a9bb96e735b38267a"), HubRef.of(snap));
        Path link = Files.createSymbolicLink(tmp.resolve("bge"), snap);
        assertEquals("BAAI/bge-small-en-v1.5@5c38ec7c405ec4b44b94cc5a9bb96e735b38267a", HubRef.of(link).toString(), "through a link");
        Path ownerless = Files.createDirectories(tmp.resolve("hub/models--gpt2/snapshots/abc"));
        assertEquals(new HubRef("gpt2", "abc"), HubRef.of(ownerless));
    }

    @Test
    void otherFoldersHaveNone() throws IOException {
        assertNull(HubRef.of(Files.createDirectories(tmp.resolve("models/llama"))));
        assertNull(HubRef.of(Files.createDirectories(tmp.resolve("datasets--acme--data/snapshots/abc"))));
        assertNull(HubRef.of(Files.createDirectories(tmp.resolve("models--acme--tiny/blobs/abc"))));
        assertNull(HubRef.of(Path.of("/")));
    }
}
