package dev.cocktail.merge;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TensorSpec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small F32 Llama-named models written to disk, and merged outputs read back. */
final class TinyModels {
    private TinyModels() {}

    /** The reproducibility record of the driver tests' hand-made plans. */
    static final Recipe RECIPE = new Recipe(List.of("test"), "recipe.txt", "test\n");

    /** name -> shape of the little models' tensors, in file order. */
    static final Map<String, long[]> SHAPES = new LinkedHashMap<>();

    static {
        SHAPES.put("model.embed_tokens.weight", new long[] {6, 8});
        for (int l = 0; l < 3; l++) {
            SHAPES.put("model.layers." + l + ".self_attn.q_proj.weight", new long[] {8, 8});
            SHAPES.put("model.layers." + l + ".mlp.down_proj.weight", new long[] {8, 12});
        }
        SHAPES.put("model.norm.weight", new long[] {8});
        SHAPES.put("lm_head.weight", new long[] {6, 8});
    }

    /** A model near `around` (or fresh N(0,1) values when null): around + spread * N(0,1). */
    static Map<String, float[]> random(long seed, Map<String, float[]> around, double spread) {
        Random r = new Random(seed);
        Map<String, float[]> m = new LinkedHashMap<>();
        SHAPES.forEach((name, shape) -> {
            float[] v = new float[(int) Tensor.elementCount(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((around == null ? 0 : around.get(name)[i]) + (around == null ? 1 : spread) * r.nextGaussian());
            }
            m.put(name, v);
        });
        return m;
    }

    static Path write(Path dir, Map<String, float[]> tensors) throws IOException {
        return write(dir, tensors, 6);
    }

    /** With `vocab` rows in the embeddings and the head instead of 6. */
    static Path write(Path dir, Map<String, float[]> tensors, int vocab) throws IOException {
        Files.createDirectories(dir);
        List<TensorSpec> plan = new ArrayList<>();
        tensors.forEach((n, v) -> {
            long[] shape = SHAPES.get(n).clone();
            if (shape[0] == 6) shape[0] = vocab;
            plan.add(new TensorSpec(n, DType.F32, shape));
        });
        try (CheckpointWriter w = CheckpointWriter.create(dir, plan, CheckpointWriter.DEFAULT_SHARD_SIZE);
             Arena arena = Arena.ofConfined()) {
            for (var e : tensors.entrySet()) {
                float[] v = Arrays.copyOf(e.getValue(), (int) plan.stream().filter(t -> t.name().equals(e.getKey()))
                        .findFirst().orElseThrow().elementCount());
                MemorySegment s = arena.allocate(4L * v.length);
                MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, v.length);
                w.write(e.getKey(), s);
            }
            w.finish();
        }
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": 3,
                 "hidden_size": 8, "vocab_size": %d, "torch_dtype": "float32"}
                """.formatted(vocab));
        return dir;
    }

    /** Model directories named as on a command line, resolved. */
    static List<ModelDir> dirs(List<String> names) {
        return names.stream().map(ModelDir::resolve).toList();
    }

    static Map<String, float[]> read(Path dir) {
        Map<String, float[]> m = new LinkedHashMap<>();
        try (Checkpoint ck = Checkpoint.open(dir)) {
            for (Tensor t : ck.tensors()) {
                float[] v = new float[(int) t.elementCount()];
                t.toF32(0, v, 0, v.length);
                m.put(t.name(), v);
            }
        }
        return m;
    }
}
