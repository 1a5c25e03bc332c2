package dev.cocktail.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Writes one safetensors file as a stream: the header first (the plan of tensors is known up front),
 * then each tensor's bytes in plan order, so no more than one tensor is ever held by the caller.
 *
 * The bytes go around the page cache (O_DIRECT) where the filesystem allows: a model is gigabytes
 * written once, and through the page cache every new page costs an allocation and a copy (a core's
 * time about as long as the disk write itself, bench/RESULTS.md) and pushes out pages of the inputs
 * being read. Direct writes must be aligned, so bytes are staged in an aligned buffer
 * written out whenever it fills; the last, partial one is padded to the alignment and the file
 * truncated back to its size.
 */
public final class SafetensorsWriter implements AutoCloseable {
    /** The staging buffer: large writes keep the disk busy. */
    private static final int STAGING = 16 << 20;
    /** Direct writes' alignment (address, position, length): a multiple of any filesystem block size. */
    private static final int ALIGN = 1 << 16;

    private final Path file;
    private final List<TensorSpec> plan;
    private final FileChannel channel;
    private final boolean direct;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment staging = arena.allocate(STAGING, ALIGN);
    private long staged;
    private long size;
    private int next;
    private long written; // bytes of tensor `next` so far

    private SafetensorsWriter(Path file, List<TensorSpec> plan, FileChannel channel, boolean direct) {
        this.file = file;
        this.plan = plan;
        this.channel = channel;
        this.direct = direct;
    }

    /** Creates the file (it must not exist) and writes its header. */
    public static SafetensorsWriter create(Path file, List<TensorSpec> plan, Map<String, String> metadata) {
        return create(file, plan, metadata, true);
    }

    /** With direct false, through the page cache, as on a filesystem without O_DIRECT. */
    static SafetensorsWriter create(Path file, List<TensorSpec> plan, Map<String, String> metadata, boolean direct) {
        SafetensorsWriter w = null;
        try {
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            FileChannel ch = direct ? openDirect(file) : null;
            w = ch != null ? new SafetensorsWriter(file, List.copyOf(plan), ch, true)
                    : new SafetensorsWriter(file, List.copyOf(plan), FileChannel.open(file, StandardOpenOption.WRITE), false);
            w.append(MemorySegment.ofArray(header(plan, metadata)));
            return w;
        } catch (IOException e) {
            if (w != null) w.close();
            throw writeError(file, e);
        } catch (RuntimeException e) {
            if (w != null) w.close();
            throw e;
        }
    }

    /** The file opened for O_DIRECT writes, or null where its filesystem does not allow them. */
    private static FileChannel openDirect(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * Where the data section starts in the file: a multiple of a cache line. The mapping starts on a page,
     * so every tensor whose offset in the data is a multiple of 64 (all of them in the usual models, whose
     * rows are whole lines) then starts on a line, and no vector load of its weights spans two lines.
     * The format's own writer pads to 8 only, but a reader takes any trailing spaces in the header.
     */
    static final int DATA_ALIGN = 64;

    /** The 8-byte length, then the JSON header padded with spaces so that the data starts DATA_ALIGN-aligned. */
    static byte[] header(List<TensorSpec> plan, Map<String, String> metadata) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode meta = root.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (TensorSpec t : plan) {
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().name());
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long end = offset + t.byteSize();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (8 + json.length + DATA_ALIGN - 1) / DATA_ALIGN * DATA_ALIGN - 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.hasRemaining()) b.put((byte) ' ');
        return b.array();
    }

    /**
     * Appends bytes of the next tensor of the plan: all of it, or its next part (a tensor may come in
     * several writes, so that it need not be held whole); its size must be what the plan says.
     */
    public void write(String name, MemorySegment bytes) {
        if (next >= plan.size()) throw new IllegalStateException("more tensors than planned for " + file);
        TensorSpec t = plan.get(next);
        if (!t.name().equals(name) || written + bytes.byteSize() > t.byteSize()) {
            throw new IllegalStateException("expected " + (t.byteSize() - written) + " more bytes of tensor " + t.name()
                    + ", got " + bytes.byteSize() + " of " + name);
        }
        try {
            append(bytes);
        } catch (IOException e) {
            throw writeError(file, e);
        }
        written += bytes.byteSize();
        if (written == t.byteSize()) {
            next++;
            written = 0;
        }
    }

    /** Whether every planned tensor has been written in full. */
    public boolean complete() {
        return next == plan.size();
    }

    /** Checks that every planned tensor came, writes what is staged, and forces the file to disk. */
    public void finish() {
        if (!complete()) throw new IllegalStateException((plan.size() - next) + " planned tensors not written in full to " + file);
        try {
            if (direct) {
                long padded = (staged + ALIGN - 1) / ALIGN * ALIGN;
                staging.asSlice(staged, padded - staged).fill((byte) 0);
                writeStaged(padded);
                channel.truncate(size);
            } else {
                writeStaged(staged);
            }
            channel.force(true);
            channel.close();
        } catch (IOException e) {
            throw writeError(file, e);
        } finally {
            arena.close();
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
        if (arena.scope().isAlive()) arena.close();
    }

    /** Stages bytes (of any segment, heap or native), writing the staging buffer out each time it fills. */
    private void append(MemorySegment bytes) throws IOException {
        for (long at = 0; at < bytes.byteSize(); ) {
            long n = Math.min(bytes.byteSize() - at, STAGING - staged);
            MemorySegment.copy(bytes, at, staging, staged, n);
            staged += n;
            at += n;
            if (staged == STAGING) writeStaged(STAGING);
        }
        size += bytes.byteSize();
    }

    private void writeStaged(long length) throws IOException {
        writeFully(channel, staging.asSlice(0, length).asByteBuffer(), file);
        staged = 0;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, Path file) throws IOException {
        while (b.hasRemaining()) {
            if (ch.write(b) == 0 && b.hasRemaining()) Thread.onSpinWait();
        }
    }

    static CocktailException writeError(Path file, IOException e) {
        return new CocktailException("cannot write " + file + ": " + CocktailException.reason(e) + ".", e);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // the write error, if any, has already been reported
        }
    }
}
