package dev.cocktail.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a model's weights into a directory as model.safetensors, or, when they exceed the shard
 * size, as model-0000i-of-0000N.safetensors shards plus model.safetensors.index.json. Tensors are
 * streamed one at a time in plan order.
 */
public final class CheckpointWriter implements AutoCloseable {
    public static final long DEFAULT_SHARD_SIZE = 5_000_000_000L;
    public static final Map<String, String> METADATA = Map.of("format", "pt");

    private final Path dir;
    private final List<List<TensorSpec>> shards;
    private final List<String> fileNames;
    private SafetensorsWriter current;
    private int shard = -1;

    private CheckpointWriter(Path dir, List<List<TensorSpec>> shards) {
        this.dir = dir;
        this.shards = shards;
        int n = shards.size();
        this.fileNames = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fileNames.add(n == 1 ? Checkpoint.SINGLE : String.format("model-%05d-of-%05d.safetensors", i + 1, n));
        }
    }

    /** Plans the shards: tensors in order, a new shard whenever the next tensor would pass shardSize. */
    public static CheckpointWriter create(Path dir, List<TensorSpec> plan, long shardSize) {
        if (shardSize <= 0) throw CocktailException.about("the shard size", "the shard size must be positive, got " + shardSize);
        List<List<TensorSpec>> shards = new ArrayList<>();
        List<TensorSpec> cur = new ArrayList<>();
        long size = 0;
        for (TensorSpec t : plan) {
            if (!cur.isEmpty() && size + t.byteSize() > shardSize) {
                shards.add(cur);
                cur = new ArrayList<>();
                size = 0;
            }
            cur.add(t);
            size += t.byteSize();
        }
        shards.add(cur);
        return new CheckpointWriter(dir, shards);
    }

    public int shardCount() {
        return shards.size();
    }

    /** Writes the next tensor of the plan, or its next part. */
    public void write(String name, MemorySegment bytes) {
        while (current == null || current.complete()) {
            if (current != null) current.finish();
            shard++;
            if (shard == shards.size()) throw new IllegalStateException("more tensors than planned for " + dir);
            current = SafetensorsWriter.create(dir.resolve(fileNames.get(shard)), shards.get(shard), METADATA);
        }
        current.write(name, bytes);
    }

    /** Finishes the last shard and writes the index when there are several. */
    public void finish() {
        if (current == null) { // a model with no tensors still gets its (empty) file
            current = SafetensorsWriter.create(dir.resolve(fileNames.getFirst()), List.of(), METADATA);
            shard = 0;
        }
        if (shard != shards.size() - 1 || !current.complete()) {
            throw new IllegalStateException("not every planned tensor was written to " + dir);
        }
        current.finish();
        if (shards.size() == 1) return;
        ObjectNode index = Json.MAPPER.createObjectNode();
        long total = 0;
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            for (TensorSpec t : shards.get(i)) {
                total += t.byteSize();
                weightMap.put(t.name(), fileNames.get(i));
            }
        }
        index.putObject("metadata").put("total_size", total);
        ObjectNode wm = index.putObject("weight_map");
        weightMap.forEach(wm::put);
        Path f = dir.resolve(Checkpoint.INDEX);
        try {
            Json.writeFile(f, index);
        } catch (IOException e) {
            throw SafetensorsWriter.writeError(f, e);
        }
    }

    @Override
    public void close() {
        if (current != null) current.close();
    }
}
