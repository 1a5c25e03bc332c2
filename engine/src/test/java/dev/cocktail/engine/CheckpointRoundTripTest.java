package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every fixture model read and written back, as one file and in small shards: the same bytes. */
class CheckpointRoundTripTest {

    static Stream<Arguments> models() {
        return Stream.of("llama/tiny-mha-f32", "llama/tiny-gqa-bf16", "llama/tiny-tied-f16", "llama/tiny-sharded",
                        "llama/tiny-rope-llama3", "bert/tiny-bert", "bert/tiny-bert-prefixed",
                        "cocktail-decoder/base", "cocktail-encoder/base")
                .flatMap(m -> Stream.of(Arguments.of(m, CheckpointWriter.DEFAULT_SHARD_SIZE), Arguments.of(m, 100_000L)));
    }

    @ParameterizedTest(name = "{0} shard size {1}")
    @MethodSource("models")
    void writesBackByteIdentical(String model, long shardSize, @TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        try (Checkpoint in = Checkpoint.open(TestData.path(model))) {
            List<TensorSpec> plan = in.tensors().stream().map(Tensor::spec).toList();
            try (OutputDir dir = OutputDir.create(out, false, List.of(TestData.path(model)));
                 CheckpointWriter w = CheckpointWriter.create(dir.staging(), plan, shardSize)) {
                for (Tensor t : in.tensors()) w.write(t.name(), t.data());
                w.finish();
                dir.commit();
            }
            try (Checkpoint back = Checkpoint.open(out)) {
                assertEquals(in.names(), back.names(), "same tensors in the same order");
                for (Tensor t : in.tensors()) {
                    Tensor b = back.require(t.name());
                    assertEquals(t.dtype(), b.dtype(), t.name());
                    assertArrayEquals(t.shape(), b.shape(), t.name());
                    assertEquals(-1, t.data().mismatch(b.data()), t.name() + " bytes");
                }
                if (shardSize < 1_000_000) assertTrue(back.shardCount() > 1, "sharded at " + shardSize);
                for (SafetensorsFile f : back.files()) {
                    assertEquals("pt", f.metadata().get("format"));
                    long n = ByteBuffer.wrap(Files.readAllBytes(f.path()), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    assertEquals(0, (8 + n) % 64, "header padded so that the data starts on a cache line");
                }
            }
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(out), s.toList(), "no temporary directory left behind");
        }
    }

    /** Merges hand the writer heap float[] segments, one after another, more than its staging buffer holds. */
    @Test
    void writesHeapFloatSegments(@TempDir Path tmp) {
        int[] sizes = {3_000_001, 5, 1_048_576, 2_000_000};
        List<TensorSpec> plan = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) plan.add(new TensorSpec("x" + i, DType.F32, new long[] {sizes[i]}));
        Path out = tmp.resolve("out");
        try (OutputDir dir = OutputDir.create(out, false, List.of());
             CheckpointWriter w = CheckpointWriter.create(dir.staging(), plan, CheckpointWriter.DEFAULT_SHARD_SIZE)) {
            for (int i = 0; i < sizes.length; i++) w.write("x" + i, MemorySegment.ofArray(values(sizes[i], i)));
            w.finish();
            dir.commit();
        }
        try (Checkpoint back = Checkpoint.open(out)) {
            for (int i = 0; i < sizes.length; i++) {
                float[] read = new float[sizes[i]];
                back.require("x" + i).toF32(0, read, 0, read.length);
                assertArrayEquals(values(sizes[i], i), read, "x" + i);
            }
        }
    }

    static float[] values(int n, int seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i * 0.5f + seed;
        return v;
    }
}
