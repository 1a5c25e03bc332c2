package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.SafetensorsFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The README.md of a merged model: how it was made, from which inputs (name, and each weights file
 * with its size and sha256), with which settings, seed (null when nothing is random) and tool version.
 *
 * @param method what was done, e.g. "LM-Cocktail mix" or "mergekit ties"
 * @param inputs the models, in the order of `roles`
 * @param roles one line per input (its weight or role), same length as inputs
 * @param settings further settings, one line each (alpha, parameters, the mergekit YAML)
 */
public record ModelCard(String method, OpenModels inputs, List<String> roles, List<String> settings,
                        Long seed, String version) {

    static final String NOT_HASHED = "not computed (use --hash-inputs)";
    /** How the Hugging Face cache names an LFS file's blob: the sha256 of its content. */
    private static final Pattern BLOB = Pattern.compile("[0-9a-f]{64}");

    /** One weights file of an input, with what the card says about it. */
    record WeightsFile(Path path, long bytes, String sha256) {}

    /**
     * Each input's weights files (shard by shard). Reading 2 GB and more per input to hash it costs
     * seconds of a core that the merge needs, so by default a sha256 is given only where it is known
     * without reading: for a file in the Hugging Face cache, the name of the blob it links to.
     * With `hash`, every file is read and hashed.
     */
    List<List<WeightsFile>> weightsFiles(boolean hash) {
        List<List<WeightsFile>> all = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            List<WeightsFile> files = new ArrayList<>();
            for (SafetensorsFile f : inputs.checkpoint(i).files()) {
                Path p = f.path();
                try {
                    String sha = hash ? sha256(p) : cachedSha256(p);
                    files.add(new WeightsFile(p, Files.size(p), sha == null ? NOT_HASHED : sha));
                } catch (IOException e) {
                    throw new CocktailException(p + ": cannot be read (" + CocktailException.reason(e) + ").", e);
                }
            }
            all.add(files);
        }
        return all;
    }

    /**
     * The sha256 that a Hugging Face cache already gives a file, or null: a snapshot's LFS files are
     * symlinks to blobs/SHA256, named by the sha256 of their content.
     */
    static String cachedSha256(Path file) throws IOException {
        Path blob = file.toRealPath();
        Path dir = blob.getParent();
        String name = blob.getFileName().toString();
        return dir != null && dir.getFileName().toString().equals("blobs") && BLOB.matcher(name).matches() ? name : null;
    }

    String render(List<List<WeightsFile>> weights) {
        StringBuilder b = new StringBuilder();
        b.append("---\nlibrary_name: transformers\ntags:\n- merge\n- cocktail\n---\n\n");
        b.append("# Merged model\n\n");
        b.append("Made by cocktail ").append(version).append(" with ").append(method).append(".\n\n");
        b.append("## Inputs\n\n| model | weights file | bytes | sha256 | role |\n|---|---|---|---|---|\n");
        for (int i = 0; i < inputs.size(); i++) {
            for (WeightsFile f : weights.get(i)) {
                b.append("| ").append(inputs.dir(i).name()).append(" | ").append(f.path().getFileName())
                        .append(" | ").append(f.bytes()).append(" | ").append(f.sha256()).append(" | ").append(roles.get(i)).append(" |\n");
            }
        }
        b.append("\n## Settings\n\n");
        for (String s : settings) b.append("- ").append(s).append('\n');
        b.append("- seed: ").append(seed == null ? "none (no randomness)" : seed.toString()).append('\n');
        return b.toString();
    }

    static String sha256(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            byte[] buf = new byte[1 << 20]; // heap arrays take the SHA intrinsic's fast path
            for (long at = 0; at < map.byteSize(); at += buf.length) {
                int n = (int) Math.min(buf.length, map.byteSize() - at);
                MemorySegment part = map.asSlice(at, n);
                MemorySegment.copy(part, ValueLayout.JAVA_BYTE, 0, buf, 0, n);
                md.update(buf, 0, n);
                part.unload(); // hashed pages leave the resident set
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new CocktailException(file + ": cannot be read (" + CocktailException.reason(e) + ").", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
