package dev.cocktail.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The weights of a model: one model.safetensors, or shards listed by model.safetensors.index.json.
 * Tensors keep the order of the files (shard by shard, by offset), which is the order writes keep.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;
    /** Owners of this mapping (see share); the files are unmapped when the last one closes. */
    private int owners = 1;

    private Checkpoint(List<SafetensorsFile> files, Map<String, Tensor> tensors) {
        this.files = files;
        this.tensors = tensors;
    }

    /** Whether the directory holds safetensors weights at all. */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve(INDEX)) || Files.isRegularFile(dir.resolve(SINGLE));
    }

    public static Checkpoint open(Path dir) {
        if (Files.isRegularFile(dir.resolve(INDEX))) return openSharded(dir);
        if (Files.isRegularFile(dir.resolve(SINGLE))) return openFiles(List.of(dir.resolve(SINGLE)), null);
        throw new CocktailException(dir + ": has no " + SINGLE + " or " + INDEX + ".");
    }

    /** A single safetensors file on its own (not a model directory). */
    public static Checkpoint openFile(Path file) {
        return openFiles(List.of(file), null);
    }

    private static Checkpoint openSharded(Path dir) {
        Path index = dir.resolve(INDEX);
        JsonNode root = Json.readFile(index);
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw new CocktailException(index + ": has no weight_map object.");
        Map<String, String> weightMap = new LinkedHashMap<>();
        Set<String> shardNames = new LinkedHashSet<>();
        map.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) throw new CocktailException(index + ": weight_map entry '" + e.getKey() + "' is not a file name.");
            String shard = e.getValue().textValue();
            Path p = dir.resolve(shard).normalize();
            if (!p.getParent().equals(dir.normalize()) || shard.contains("/") || shard.contains("\\")) {
                throw new CocktailException(index + ": weight_map names a file outside the model directory ('" + shard + "').");
            }
            weightMap.put(e.getKey(), shard);
            shardNames.add(shard);
        });
        if (shardNames.isEmpty()) throw new CocktailException(index + ": weight_map is empty.");
        List<String> sortedShards = new ArrayList<>(shardNames);
        Collections.sort(sortedShards);
        List<Path> paths = sortedShards.stream().map(dir::resolve).toList();
        return openFiles(paths, new IndexCheck(index, weightMap));
    }

    private record IndexCheck(Path index, Map<String, String> weightMap) {}

    private static Checkpoint openFiles(List<Path> paths, IndexCheck check) {
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                files.add(f);
                for (Tensor t : f.tensors()) {
                    if (tensors.putIfAbsent(t.name(), t) != null) {
                        throw new CocktailException(p + ": tensor '" + t.name() + "' is also in another shard.");
                    }
                    if (check != null && !p.getFileName().toString().equals(check.weightMap().get(t.name()))) {
                        throw new CocktailException(check.index() + ": tensor '" + t.name() + "' is in "
                                + p.getFileName() + " but the index says " + check.weightMap().get(t.name()) + ".");
                    }
                }
            }
            if (check != null) {
                for (String name : check.weightMap().keySet()) {
                    if (!tensors.containsKey(name)) {
                        throw new CocktailException(check.index() + ": tensor '" + name + "' is listed but missing from "
                                + check.weightMap().get(name) + ".");
                    }
                }
            }
            return new Checkpoint(List.copyOf(files), Collections.unmodifiableMap(tensors));
        } catch (RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    public int shardCount() {
        return files.size();
    }

    public List<Tensor> tensors() {
        return List.copyOf(tensors.values());
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    /** The tensor of that name, or null. */
    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    /** The tensor of that name, or an error naming the model and the tensor. */
    public Tensor require(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new CocktailException(where() + ": has no tensor '" + name + "'.");
        return t;
    }

    /** After a failure: throws naming the file when one changed while it was read (see SafetensorsFile). */
    public void checkUnchanged(Throwable failure) {
        for (SafetensorsFile f : files) f.checkUnchanged(failure);
    }

    /** The first file's directory, for messages. */
    public Path where() {
        Path parent = files.getFirst().path().getParent();
        return parent == null ? files.getFirst().path() : parent;
    }

    /**
     * The same mapped files for one more owner, so that a command maps each model once however many
     * parts of it (scoring, then the merge) read the weights. Each owner closes its share.
     */
    public synchronized Checkpoint share() {
        if (owners == 0) throw new IllegalStateException(where() + ": shared after it was closed");
        owners++;
        return this;
    }

    /** Hands this checkpoint to what will own it (a forward pass, which closes it when closed itself); closes it when that fails. */
    public <T> T handTo(Function<Checkpoint, T> owner) {
        try {
            return owner.apply(this);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        if (owners == 0 || --owners > 0) return;
        files.forEach(SafetensorsFile::close);
    }
}
