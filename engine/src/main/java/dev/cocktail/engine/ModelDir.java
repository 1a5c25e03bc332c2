package dev.cocktail.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Hugging Face model directory: config.json, tokenizer files, safetensors weights.
 * A name that is not a directory is looked up as a repo id (ORG/NAME[@rev]) in the local hub cache.
 * `MODEL+LORA` (mergekit's syntax) names a model with a PEFT LoRA adapter folder, resolved the
 * same way; only merges apply the adapter (merge.OpenModels), everything else refuses such a model.
 *
 * @param adapter the LoRA adapter's folder, or null
 */
public record ModelDir(Path path, String name, Path adapter) {

    public ModelDir(Path path, String name) {
        this(path, name, null);
    }

    /** Files that travel with the weights when a merged model is written. */
    public static final List<String> SIDE_FILES = List.of(
            "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "vocab.txt", "merges.txt", "vocab.json",
            "added_tokens.json", "chat_template.jinja", "spiece.model");

    private static final Pattern REPO_ID = Pattern.compile("([A-Za-z0-9][\\w.-]*)/([\\w.-]+)(?:@([\\w./-]+))?");

    /** Resolves a directory path, else a repo id in the hub cache; checks that safetensors weights exist. */
    public static ModelDir resolve(String nameOrPath) {
        return resolve(nameOrPath, System.getenv());
    }

    static ModelDir resolve(String nameOrPath, Map<String, String> env) {
        Path p = Path.of(nameOrPath);
        if (Files.isDirectory(p)) return checked(new ModelDir(p, nameOrPath));
        if (Files.exists(p)) throw new CocktailException(nameOrPath + ": is a file, expected a model directory.");
        int plus = nameOrPath.indexOf('+');
        if (plus >= 0) {
            String model = nameOrPath.substring(0, plus), adapter = nameOrPath.substring(plus + 1);
            if (model.isEmpty() || adapter.isEmpty() || adapter.contains("+")) {
                throw new CocktailException(nameOrPath + ": expected MODEL+LORA, a model and one LoRA adapter folder.");
            }
            Path a = Path.of(adapter);
            if (!Files.isDirectory(a)) a = directory(adapter, env, "LoRA adapter folder");
            return new ModelDir(resolve(model, env).path(), nameOrPath, a);
        }
        return checked(new ModelDir(directory(nameOrPath, env, "model directory"), nameOrPath));
    }

    /** The hub cache's snapshot of a repo id; `what` names what was looked for in errors. */
    private static Path directory(String nameOrPath, Map<String, String> env, String what) {
        if (Files.exists(Path.of(nameOrPath))) throw new CocktailException(nameOrPath + ": is a file, expected a " + what + ".");
        Matcher m = REPO_ID.matcher(nameOrPath);
        if (!m.matches()) throw new CocktailException(nameOrPath + ": no such " + what + ".");
        Path repo = hubCache(env).resolve("models--" + m.group(1) + "--" + m.group(2));
        if (!Files.isDirectory(repo)) {
            throw new CocktailException(nameOrPath + ": no such " + what + ", and no cached Hugging Face repo at " + repo + ".");
        }
        String rev = m.group(3) == null ? "main" : m.group(3);
        // a branch may hold '/', never an empty, '.' or '..' step that would leave the repo's folders
        if (Arrays.stream(rev.split("/", -1)).anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."))) {
            throw new CocktailException(nameOrPath + ": revision '" + rev + "' is not a branch, tag or commit name.");
        }
        String commit = rev;
        Path ref = repo.resolve("refs").resolve(rev);
        if (Files.isRegularFile(ref)) {
            try {
                commit = Files.readString(ref).strip();
            } catch (IOException e) {
                throw new CocktailException(ref + ": cannot be read (" + CocktailException.reason(e) + ").", e);
            }
            if (!commit.matches("[0-9A-Za-z_.-]+") || commit.equals(".") || commit.equals("..")) {
                throw new CocktailException(ref + ": holds '" + commit + "', which is not a commit name.");
            }
        }
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        if (!Files.isDirectory(snapshot)) {
            throw new CocktailException(nameOrPath + ": revision '" + rev + "' is not in the hub cache (no " + snapshot + ").");
        }
        return snapshot;
    }

    /** $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
    static Path hubCache(Map<String, String> env) {
        String cache = env.get("HF_HUB_CACHE");
        if (cache != null && !cache.isEmpty()) return Path.of(cache);
        String home = env.get("HF_HOME");
        if (home != null && !home.isEmpty()) return Path.of(home, "hub");
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    private static ModelDir checked(ModelDir dir) {
        if (Checkpoint.present(dir.path())) return dir;
        try (Stream<Path> files = Files.list(dir.path())) {
            List<String> pickles = files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".bin") || f.endsWith(".pt") || f.endsWith(".pth") || f.endsWith(".ckpt"))
                    .sorted().toList();
            if (!pickles.isEmpty()) {
                throw new CocktailException(dir.name() + ": holds only pickle checkpoints (" + String.join(", ", pickles)
                        + "), which can run arbitrary code when loaded; convert them to safetensors first.");
            }
        } catch (IOException e) {
            throw new CocktailException(dir.name() + ": cannot be listed (" + CocktailException.reason(e) + ").", e);
        }
        throw new CocktailException(dir.name() + ": has no model.safetensors or model.safetensors.index.json.");
    }

    /** The model's own weights; refused for a model with an adapter, whose weights only a merge computes. */
    public Checkpoint openCheckpoint() {
        if (adapter != null) {
            throw new CocktailException(name + ": a model with a LoRA adapter (MODEL+LORA) is only read by mix, merge and extrapolate;"
                    + " merge it into a model first (cocktail merge with a passthrough recipe) and use that.");
        }
        return Checkpoint.open(path);
    }

    public boolean hasConfig() {
        return Files.isRegularFile(path.resolve("config.json"));
    }

    /** config.json as a JSON object; an error naming the directory when it is missing or not an object. */
    public ObjectNode config() {
        Path f = path.resolve("config.json");
        if (!Files.isRegularFile(f)) throw new CocktailException(name + ": has no config.json.");
        JsonNode n = Json.readFile(f);
        if (!(n instanceof ObjectNode o)) throw new CocktailException(f + ": is not a JSON object.");
        return o;
    }

    /** The row of the table of architectures for config.json; family OTHER without one. */
    public Architecture architecture() {
        return hasConfig() ? Architecture.of(config()) : Architecture.other("");
    }

    public boolean hasTokenizer() {
        return Files.isRegularFile(path.resolve("tokenizer.json"));
    }

    @Override
    public String toString() {
        return name;
    }
}
