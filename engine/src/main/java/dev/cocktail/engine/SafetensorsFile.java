package dev.cocktail.engine;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, mapped read-only once, whole; each tensor is a read-only slice of the map
 * (no copies, no 2 GB limit). Closing unmaps it: tensors must not be used afterwards.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        String name = path.toString();
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw SafetensorsHeader.bad(name, "the file is " + size + " bytes, shorter than the 8-byte header length");
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = map.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n < 0 || n > size - 8) throw SafetensorsHeader.bad(name, "the header length " + Long.toUnsignedString(n) + " exceeds the file size " + size);
            if (n > SafetensorsHeader.MAX_HEADER_BYTES) throw SafetensorsHeader.bad(name, "the header length " + n + " exceeds the 100 MB limit");
            byte[] json = map.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = map.asSlice(8 + n).asReadOnly();
            SafetensorsHeader header = SafetensorsHeader.parse(name, json, data.byteSize());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            header.entries().stream()
                    .sorted(java.util.Comparator.comparingLong(SafetensorsHeader.Entry::begin))
                    .forEach(e -> tensors.put(e.name(), new Tensor(e.name(), e.dtype(), e.shape(),
                            data.asSlice(e.begin(), e.end() - e.begin()))));
            return new SafetensorsFile(path, arena, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(header.metadata()));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new CocktailException(name + ": no such file.");
        } catch (IOException e) {
            arena.close();
            throw new CocktailException(name + ": cannot be read (" + e.getMessage() + ").", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensors in file order (by data offset). */
    public List<Tensor> tensors() {
        return List.copyOf(tensors.values());
    }

    public Map<String, Tensor> tensorMap() {
        return tensors;
    }

    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        arena.close();
    }
}
