package dev.cocktail.engine;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, mapped read-only once, whole; each tensor is a read-only slice of the map
 * (no copies, no 2 GB limit) that also knows its position in the file, kept open for streaming
 * reads. Closing unmaps and closes it: tensors must not be used afterwards.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final FileChannel channel;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    /** What was mapped: a file that no longer has this size and time changed under us. */
    private final long size;
    private final FileTime modified;

    private SafetensorsFile(Path path, Arena arena, FileChannel channel, Map<String, Tensor> tensors, Map<String, String> metadata,
                            long size, FileTime modified) {
        this.path = path;
        this.arena = arena;
        this.channel = channel;
        this.tensors = tensors;
        this.metadata = metadata;
        this.size = size;
        this.modified = modified;
    }

    /**
     * After a failure, says whether it was this file changing while it was read: a read of a map
     * whose file was truncated faults (an InternalError), and a short read is an I/O error, and
     * neither names the file. Throws, naming it, when its size or time is not what was mapped.
     */
    public void checkUnchanged(Throwable failure) {
        boolean same;
        try {
            same = channel.size() == size && Files.getLastModifiedTime(path).equals(modified);
        } catch (IOException e) {
            same = false;
        }
        if (!same) throw new CocktailException(path + ": changed or truncated while it was read.", failure);
    }

    public static SafetensorsFile open(Path path) {
        String name = path.toString();
        Arena arena = Arena.ofShared();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            long size = ch.size();
            FileTime modified = Files.getLastModifiedTime(path);
            if (size < 8) throw SafetensorsHeader.bad(name, "the file is " + size + " bytes, shorter than the 8-byte header length");
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            PageAdvice.hugePages(map);
            long n = map.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n < 0 || n > size - 8) throw SafetensorsHeader.bad(name, "the header length " + Long.toUnsignedString(n) + " exceeds the file size " + size);
            if (n > SafetensorsHeader.MAX_HEADER_BYTES) throw SafetensorsHeader.bad(name, "the header length " + n + " exceeds the 100 MB limit");
            byte[] json = map.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = map.asSlice(8 + n).asReadOnly();
            SafetensorsHeader header = SafetensorsHeader.parse(name, json, data.byteSize());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            FileChannel file = ch;
            header.entries().stream()
                    .sorted(java.util.Comparator.comparingLong(SafetensorsHeader.Entry::begin))
                    .forEach(e -> tensors.put(e.name(), new Tensor(e.name(), e.dtype(), e.shape(),
                            data.asSlice(e.begin(), e.end() - e.begin()), file, 8 + n + e.begin())));
            return new SafetensorsFile(path, arena, ch, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(header.metadata()), size, modified);
        } catch (NoSuchFileException e) {
            closeQuietly(arena, ch);
            throw new CocktailException(name + ": no such file.");
        } catch (IOException e) {
            closeQuietly(arena, ch);
            throw new CocktailException(name + ": cannot be read (" + CocktailException.reason(e) + ").", e);
        } catch (RuntimeException e) {
            closeQuietly(arena, ch);
            throw e;
        }
    }

    private static void closeQuietly(Arena arena, FileChannel ch) {
        arena.close();
        try {
            if (ch != null) ch.close();
        } catch (IOException ignored) {
            // already failing with a better message
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
        try {
            channel.close();
        } catch (IOException e) {
            throw new CocktailException(path + ": cannot be closed (" + CocktailException.reason(e) + ").", e);
        }
    }
}
