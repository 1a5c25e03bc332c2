package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each rule of SPEC section 2 broken by one crafted file: refused with the file and the reason. */
class SafetensorsValidationTest {
    @TempDir
    Path tmp;

    /** A file with the given header JSON (unpadded) followed by `dataBytes` zero bytes. */
    static byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return b.array();
    }

    static Stream<Arguments> badFiles() {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        return Stream.of(
                Arguments.of("too short", new byte[5], "shorter than the 8-byte header length"),
                Arguments.of("header past the end", lengthOnly(1000, 20), "exceeds the file size"),
                Arguments.of("header length negative as signed", lengthOnly(-1, 20), "exceeds the file size"),
                Arguments.of("invalid JSON", file("{\"a\":", 0), "not valid JSON"),
                Arguments.of("invalid UTF-8", invalidUtf8(), "not valid JSON"),
                Arguments.of("not an object", file("[1,2]", 0), "not a JSON object"),
                Arguments.of("trailing garbage", file(ok + "} x", 8), "not valid JSON"),
                Arguments.of("unknown dtype", file("{\"a\":{\"dtype\":\"F7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unknown dtype 'F7'"),
                Arguments.of("negative shape", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "negative shape entry"),
                Arguments.of("overflowing shape", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8), "overflows"),
                Arguments.of("2^60 elements", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1152921504606846976],\"data_offsets\":[0,8]}}", 8), "need 1152921504606846976"),
                Arguments.of("size mismatch", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "spans 8 bytes but its dtype F32 and shape need 12"),
                Arguments.of("offsets out of order", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "out of order"),
                Arguments.of("overlap", file(ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlaps"),
                Arguments.of("hole", file(ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20), "hole of 4 bytes"),
                Arguments.of("data past the end", file(ok + "}", 4), "past the end of the file"),
                Arguments.of("trailing bytes", file(ok + "}", 12), "end 4 bytes before the end of the file"),
                Arguments.of("repeated name", file(ok + ",\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16), "tensor name repeats"),
                Arguments.of("bad metadata", file("{\"__metadata__\":{\"format\":1}}", 0), "is not a string"),
                Arguments.of("no offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "needs data_offsets"),
                Arguments.of("deep nesting", file("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 0), "not valid JSON"));
    }

    static byte[] lengthOnly(long n, int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
    }

    static byte[] invalidUtf8() {
        byte[] f = file("{\"a\u00e9\":{}}", 0);
        for (int i = 8; i < f.length; i++) if (f[i] == (byte) 0xC3) f[i] = (byte) 0xFF;
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void refusedWithFileAndReason(String what, byte[] bytes, String reason) throws IOException {
        Path f = tmp.resolve("model.safetensors");
        Files.write(f, bytes);
        CocktailException e = assertThrows(CocktailException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(reason), "expected '" + reason + "' in: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line");
    }

    @Test
    void headerOver100MegabytesIsRefused() throws IOException {
        Path f = tmp.resolve("huge.safetensors");
        long n = 100_000_001L;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(8 + n); // sparse: no 100 MB actually written
            raf.write(lengthOnly(n, 8));
        }
        CocktailException e = assertThrows(CocktailException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().contains("exceeds the 100 MB limit"), e.getMessage());
    }

    @Test
    void zeroSizedTensorsAndEmptyFilesAreFine() throws IOException {
        Path f = tmp.resolve("ok.safetensors");
        Files.write(f, file("{\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]},"
                + "\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertEquals(2, s.tensors().size());
            assertEquals(0, s.tensor("e").byteSize());
        }
        Files.write(f, file("{}", 0));
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertTrue(s.tensors().isEmpty());
        }
    }

    @Test
    void tensorsAreReadOnlyViews() throws IOException {
        Path f = tmp.resolve("ro.safetensors");
        Files.write(f, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertTrue(s.tensor("a").data().isReadOnly());
        }
    }
}
