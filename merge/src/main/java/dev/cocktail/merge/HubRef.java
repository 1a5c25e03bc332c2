package dev.cocktail.merge;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a model came from on the Hugging Face Hub, when its folder is a snapshot of the local hub
 * cache (`models--ORG--NAME/snapshots/REV`, as `huggingface_hub` lays it out): the repo id that
 * the Hub's `base_model` metadata takes, and the commit it was downloaded at.
 *
 * @param repo     the repo id, "ORG/NAME" (or "NAME" for the few repos without an owner)
 * @param revision the snapshot's commit
 */
public record HubRef(String repo, String revision) {

    /** The hub reference of a model folder, or null when it is not a hub cache snapshot. */
    public static HubRef of(Path model) {
        Path p;
        try {
            p = model.toRealPath();
        } catch (IOException e) {
            p = model.toAbsolutePath().normalize();
        }
        Path snapshots = p.getParent(), repo = snapshots == null ? null : snapshots.getParent();
        if (repo == null || repo.getFileName() == null || !snapshots.getFileName().toString().equals("snapshots")) return null;
        String folder = repo.getFileName().toString();
        if (!folder.startsWith("models--") || folder.length() == "models--".length()) return null;
        // the cache joins the id's parts with "--", which a repo name cannot hold
        return new HubRef(folder.substring("models--".length()).replace("--", "/"), p.getFileName().toString());
    }

    @Override
    public String toString() {
        return repo + "@" + revision;
    }
}
