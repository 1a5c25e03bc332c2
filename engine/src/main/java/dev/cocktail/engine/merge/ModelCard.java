package dev.cocktail.engine.merge;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The README.md of a merged model: how it was made, from which inputs (path, and the sha256 of
 * their model.safetensors or, when sharded, of their index), with which settings, seed (null when
 * nothing is random) and tool version.
 *
 * @param method what was done, e.g. "LM-Cocktail mix" or "mergekit ties"
 * @param inputs the models, in the order of `roles`
 * @param roles one line per input (its weight or role), same length as inputs
 * @param settings further settings, one line each (alpha, parameters, the mergekit YAML)
 */
public record ModelCard(String method, List<ModelDir> inputs, List<String> roles, List<String> settings,
                        Long seed, String version) {

    /** The sha256 of each input's weights file (model.safetensors, or the index when sharded), in input order. */
    List<String> hashes() {
        return inputs.stream().map(m -> sha256(ModelFiles.weightsFile(m))).toList();
    }

    String render(List<String> hashes) {
        StringBuilder b = new StringBuilder();
        b.append("---\nlibrary_name: transformers\ntags:\n- merge\n- cocktail\n---\n\n");
        b.append("# Merged model\n\n");
        b.append("Made by cocktail ").append(version).append(" with ").append(method).append(".\n\n");
        b.append("## Inputs\n\n| model | weights file | sha256 | role |\n|---|---|---|---|\n");
        for (int i = 0; i < inputs.size(); i++) {
            ModelDir m = inputs.get(i);
            b.append("| ").append(m.name()).append(" | ").append(ModelFiles.weightsFile(m).getFileName())
                    .append(" | ").append(hashes.get(i)).append(" | ").append(roles.get(i)).append(" |\n");
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
            throw new CocktailException(file + ": cannot be read (" + e.getMessage() + ").", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
