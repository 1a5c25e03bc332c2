package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The huge-page advice: given to the loader's mappings on Linux, a silent no-op where it cannot be, never a changed byte. */
class PageAdviceTest {
    @TempDir
    Path tmp;

    private static boolean linux() {
        return System.getProperty("os.name", "").startsWith("Linux");
    }

    /** A safetensors file of one F32 tensor of `floats` random values (header unpadded, as a foreign writer may leave it). */
    private Path file(int floats, long seed) throws IOException {
        byte[] json = ("{\"w\":{\"dtype\":\"F32\",\"shape\":[" + floats + "],\"data_offsets\":[0," + 4L * floats + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Random r = new Random(seed);
        for (int i = 0; i < floats; i++) b.putFloat((float) r.nextGaussian());
        Path p = tmp.resolve("model.safetensors");
        Files.write(p, b.array());
        return p;
    }

    /** The VmFlags of the mapping in /proc/self/smaps that contains `address`. */
    private static String vmFlags(long address) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (String line : lines) {
            int dash = line.indexOf('-');
            if (dash > 0 && line.indexOf(' ') > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long end = Long.parseUnsignedLong(line.substring(dash + 1, line.indexOf(' ')), 16);
                inside = Long.compareUnsigned(start, address) <= 0 && Long.compareUnsigned(address, end) < 0;
            } else if (inside && line.startsWith("VmFlags:")) {
                return line;
            }
        }
        throw new IllegalStateException("no mapping holds 0x" + Long.toHexString(address));
    }

    @Test
    void theLoadersMappingIsAdvisedAndReadsTheSameBytes() throws IOException {
        assumeTrue(linux(), "madvise is Linux's");
        int floats = 1 << 20;
        Path p = file(floats, 25);
        byte[] all = Files.readAllBytes(p);
        int dataStart = all.length - 4 * floats;
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            Tensor w = f.tensor("w");
            assertTrue(vmFlags(w.data().address()).contains(" hg"), "the mapping carries MADV_HUGEPAGE: " + vmFlags(w.data().address()));
            byte[] read = w.data().toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(Arrays.copyOfRange(all, dataStart, all.length), read);
        }
    }

    @Test
    @SuppressWarnings("restricted")
    void whereTheAdviceCannotBeGivenNothingHappens() {
        // a heap segment, a segment that does not start on a page, an empty one: refused before any call
        assertFalse(PageAdvice.hugePages(MemorySegment.ofArray(new byte[8192])));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(8192, 4096);
            assertFalse(PageAdvice.hugePages(page.asSlice(1)));
            assertFalse(PageAdvice.hugePages(page.asSlice(0, 0)));
        }
        // the kernel refuses (nothing is mapped at the first pages of the address space): false, no exception
        assertFalse(PageAdvice.hugePages(MemorySegment.ofAddress(4096).reinterpret(4096)));
    }
}
