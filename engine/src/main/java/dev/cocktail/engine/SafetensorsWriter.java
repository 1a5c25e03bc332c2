package dev.cocktail.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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
 */
public final class SafetensorsWriter implements AutoCloseable {
    /** FileChannel writes go through ByteBuffers, which stop at 2 GB: larger tensors go in pieces. */
    private static final long CHUNK = 1L << 30;
    private static final int BOUNCE = 4 << 20;

    private final Path file;
    private final List<TensorSpec> plan;
    private final FileChannel channel;
    private int next;
    private ByteBuffer bounce;

    private SafetensorsWriter(Path file, List<TensorSpec> plan, FileChannel channel) {
        this.file = file;
        this.plan = plan;
        this.channel = channel;
    }

    /** Creates the file (it must not exist) and writes its header. */
    public static SafetensorsWriter create(Path file, List<TensorSpec> plan, Map<String, String> metadata) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            writeFully(ch, ByteBuffer.wrap(header(plan, metadata)), file);
            return new SafetensorsWriter(file, List.copyOf(plan), ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw writeError(file, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** The 8-byte length, then the JSON header padded with spaces so that the data starts 8-aligned. */
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
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.hasRemaining()) b.put((byte) ' ');
        return b.array();
    }

    /** Appends the next tensor of the plan; its size must be what the plan says. */
    public void write(String name, MemorySegment bytes) {
        if (next >= plan.size()) throw new IllegalStateException("more tensors than planned for " + file);
        TensorSpec t = plan.get(next);
        if (!t.name().equals(name) || t.byteSize() != bytes.byteSize()) {
            throw new IllegalStateException("expected tensor " + t.name() + " of " + t.byteSize() + " bytes, got "
                    + name + " of " + bytes.byteSize());
        }
        try {
            if (bytes.isNative() || bytes.heapBase().orElse(null) instanceof byte[]) {
                for (long at = 0; at < bytes.byteSize(); at += CHUNK) {
                    writeFully(channel, bytes.asSlice(at, Math.min(CHUNK, bytes.byteSize() - at)).asByteBuffer(), file);
                }
            } else { // a heap segment over float[] etc. has no ByteBuffer view: go through a bounce buffer
                if (bounce == null) bounce = ByteBuffer.allocateDirect(BOUNCE);
                MemorySegment b = MemorySegment.ofBuffer(bounce.clear()); // the whole buffer, whatever the last write left
                for (long at = 0; at < bytes.byteSize(); at += BOUNCE) {
                    long n = Math.min(BOUNCE, bytes.byteSize() - at);
                    MemorySegment.copy(bytes, at, b, 0, n);
                    writeFully(channel, bounce.clear().limit((int) n), file);
                }
            }
        } catch (IOException e) {
            throw writeError(file, e);
        }
        next++;
    }

    /** Checks that every planned tensor came, and forces the file to disk. */
    public void finish() {
        if (next != plan.size()) throw new IllegalStateException((plan.size() - next) + " planned tensors not written to " + file);
        try {
            channel.force(true);
            channel.close();
        } catch (IOException e) {
            throw writeError(file, e);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, Path file) throws IOException {
        while (b.hasRemaining()) {
            if (ch.write(b) == 0 && b.hasRemaining()) Thread.onSpinWait();
        }
    }

    static CocktailException writeError(Path file, IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new CocktailException("cannot write " + file + ": " + why + ".", e);
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
