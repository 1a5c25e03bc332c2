package dev.cocktail.bench;

import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.TensorSpec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes random BF16 models with TinyLlama-1.1B's shapes (22 layers, hidden 2048, intermediate 5632,
 * 32 heads / 4 kv heads, vocab 32000): model i is a shared random base plus its own noise, so task
 * vectors are small and dense like a fine-tune's. Usage: MergeBenchModels DIR COUNT.
 */
public final class MergeBenchModels {
    private MergeBenchModels() {}

    static final int HIDDEN = 2048, INTER = 5632, LAYERS = 22, KV = 256, VOCAB = 32000;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static List<TensorSpec> plan() {
        List<TensorSpec> p = new ArrayList<>();
        p.add(spec("model.embed_tokens.weight", VOCAB, HIDDEN));
        for (int l = 0; l < LAYERS; l++) {
            String x = "model.layers." + l + ".";
            p.add(spec(x + "input_layernorm.weight", HIDDEN));
            p.add(spec(x + "self_attn.q_proj.weight", HIDDEN, HIDDEN));
            p.add(spec(x + "self_attn.k_proj.weight", KV, HIDDEN));
            p.add(spec(x + "self_attn.v_proj.weight", KV, HIDDEN));
            p.add(spec(x + "self_attn.o_proj.weight", HIDDEN, HIDDEN));
            p.add(spec(x + "post_attention_layernorm.weight", HIDDEN));
            p.add(spec(x + "mlp.gate_proj.weight", INTER, HIDDEN));
            p.add(spec(x + "mlp.up_proj.weight", INTER, HIDDEN));
            p.add(spec(x + "mlp.down_proj.weight", HIDDEN, INTER));
        }
        p.add(spec("model.norm.weight", HIDDEN));
        p.add(spec("lm_head.weight", VOCAB, HIDDEN));
        return p;
    }

    static TensorSpec spec(String name, long... shape) {
        return new TensorSpec(name, DType.BF16, shape);
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        List<TensorSpec> plan = plan();
        for (int m = 0; m < count; m++) {
            Path out = dir.resolve("model-" + m);
            if (Files.isRegularFile(out.resolve("model.safetensors"))) continue;
            Files.createDirectories(out);
            try (CheckpointWriter w = CheckpointWriter.create(out, plan, CheckpointWriter.DEFAULT_SHARD_SIZE)) {
                int t = 0;
                for (TensorSpec s : plan) {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment seg = arena.allocate(s.byteSize());
                        SplittableRandom base = new SplittableRandom(t), own = new SplittableRandom(1000L * (m + 1) + t);
                        for (long i = 0; i < s.elementCount(); i++) {
                            float v = (float) (base.nextDouble() - 0.5) * 0.04f + (float) (own.nextDouble() - 0.5) * 0.004f;
                            seg.set(SHORT, 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
                        }
                        w.write(s.name(), seg);
                    }
                    t++;
                }
                w.finish();
            }
            Files.writeString(out.resolve("config.json"), """
                    {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
                     "intermediate_size": 5632, "num_hidden_layers": 22, "num_attention_heads": 32,
                     "num_key_value_heads": 4, "vocab_size": 32000, "rms_norm_eps": 1e-05,
                     "max_position_embeddings": 2048, "torch_dtype": "bfloat16"}
                    """);
            System.out.println("wrote " + out);
        }
    }
}
