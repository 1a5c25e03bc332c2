package dev.cocktail.merge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README.md of a merged model. It opens with the YAML front matter the Hugging Face Hub reads
 * (base_model, base_model_relation, library_name, license, tags), then says how the model was made,
 * from which inputs (name, and each weights file with its size and sha256), with which settings,
 * seed (null when nothing is random) and tool version, and which file beside it redoes the merge.
 *
 * @param method what was done, e.g. "LM-Cocktail mix" or "mergekit ties"
 * @param inputs the models, in the order of `roles`
 * @param roles one line per input (its weight or role), same length as inputs
 * @param settings further settings, one line each (alpha, parameters, the mergekit YAML)
 * @param recipe the file that redoes the merge, written beside the card (null: none)
 */
public record ModelCard(String method, OpenModels inputs, List<String> roles, List<String> settings,
                        Long seed, String version, Recipe recipe) {

    static final String NOT_HASHED = "not computed (use --hash-inputs)";
    /** How the Hugging Face cache names an LFS file's blob: the sha256 of its content. */
    private static final Pattern BLOB = Pattern.compile("[0-9a-f]{64}");
    /** A card's front matter: a first line "---", the YAML, a line "---". */
    private static final Pattern FRONT_MATTER = Pattern.compile("\\A\\uFEFF?---\\r?\\n(.*?)^---\\s*$", Pattern.DOTALL | Pattern.MULTILINE);
    /** Larger than any model card; an input's README.md beyond it is not read for its license. */
    private static final long MAX_CARD_BYTES = 1 << 20;
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES, YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).build();

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

    /**
     * The card; libraryName is what the Hub loads the output with ("transformers", or
     * "sentence-transformers" for an embedder written with its sentence-transformers files).
     */
    String render(List<List<WeightsFile>> weights, String libraryName) {
        StringBuilder b = new StringBuilder(frontMatter(libraryName)).append("---\n\n");
        b.append("# Merged model\n\n");
        b.append("Made by cocktail ").append(version).append(" with ").append(method).append(".\n\n");
        b.append("## Inputs\n\n| model | weights file | bytes | sha256 | role | hub revision |\n|---|---|---|---|---|---|\n");
        for (int i = 0; i < inputs.size(); i++) {
            HubRef hub = HubRef.of(inputs.dir(i).path());
            for (WeightsFile f : weights.get(i)) {
                b.append("| ").append(inputs.dir(i).name()).append(" | ").append(f.path().getFileName())
                        .append(" | ").append(f.bytes()).append(" | ").append(f.sha256()).append(" | ").append(roles.get(i))
                        .append(" | ").append(hub == null ? "" : hub.toString()).append(" |\n");
            }
        }
        b.append("\n## Settings\n\n");
        for (String s : settings) b.append("- ").append(s).append('\n');
        b.append("- seed: ").append(seed == null ? "none (no randomness)" : seed.toString()).append('\n');
        if (recipe != null) {
            b.append("\n## Reproduce\n\n`").append(recipe.fileName()).append("`, beside this card, redoes the merge: `cocktail merge ")
                    .append(recipe.fileName()).append(" OUT_DIR").append(seed == null ? "" : " --seed " + seed).append("`.\n");
        }
        return b.toString();
    }

    /**
     * The Hub's metadata, written by the YAML library (so that any name is quoted as YAML needs):
     * base_model lists the inputs that came from the hub cache, by repo id, as mergekit does (the
     * Hub accepts nothing else there; the revisions are in the inputs table); license only when
     * every input states the same one.
     */
    String frontMatter(String libraryName) {
        ObjectNode meta = YAML.createObjectNode();
        List<String> repos = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            HubRef hub = HubRef.of(inputs.dir(i).path());
            if (hub != null && !repos.contains(hub.repo())) repos.add(hub.repo());
        }
        if (!repos.isEmpty()) {
            repos.forEach(meta.putArray("base_model")::add);
            meta.put("base_model_relation", "merge");
        }
        meta.put("library_name", libraryName);
        String license = license();
        if (license != null) meta.put("license", license);
        ArrayNode tags = meta.putArray("tags").add("merge");
        if (recipe != null) recipe.tags().forEach(tags::add);
        tags.add("cocktail");
        try {
            return YAML.writeValueAsString(meta);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of strings always serializes
        }
    }

    /** The license every input states (in its card's front matter, else its config.json), or null when they differ or one states none. */
    String license() {
        String agreed = null;
        for (int i = 0; i < inputs.size(); i++) {
            String l = license(inputs.dir(i));
            if (l == null || agreed != null && !agreed.equals(l)) return null;
            agreed = l;
        }
        return agreed;
    }

    /** A model's license: its README.md's front matter `license`, else config.json's, else null. */
    static String license(ModelDir model) {
        Path readme = model.path().resolve("README.md");
        try {
            if (Files.isRegularFile(readme) && Files.size(readme) <= MAX_CARD_BYTES) {
                String text = Files.readString(readme);
                Matcher m = FRONT_MATTER.matcher(text);
                if (m.lookingAt()) {
                    JsonNode l = YAML.readTree(m.group(1)).path("license");
                    if (l.isTextual() && !l.textValue().isBlank()) return l.textValue().strip();
                }
            }
        } catch (IOException e) {
            // an input's card that cannot be read or parsed as YAML states no license: the output's card then claims none
        }
        JsonNode l = model.hasConfig() ? model.config().path("license") : null;
        return l != null && l.isTextual() && !l.textValue().isBlank() ? l.textValue().strip() : null;
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
