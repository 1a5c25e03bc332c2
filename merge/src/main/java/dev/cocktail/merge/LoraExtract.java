package dev.cocktail.merge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Architecture;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.OutputDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.SafetensorsWriter;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `lora extract`, as mergekit-extract-lora: each 2-D weight's task vector (fine-tuned minus base)
 * factored by a truncated SVD into a PEFT LoRA adapter of the given rank, with lora_alpha = rank
 * (a scaling of 1); embeddings are factored transposed, as PEFT's lora_embedding_A/B expect; other
 * weights (norms) are saved whole as modules_to_save. The adapter is written in F32, so that a
 * full-rank extraction applied to the base gives back the fine-tuned model to rounding. One tensor
 * is held at a time.
 */
public final class LoraExtract {
    private LoraExtract() {}

    public static final String WEIGHTS = "adapter_model.safetensors", CONFIG = "adapter_config.json";
    private static final long SEED = 42;

    public record Request(ModelDir base, ModelDir finetuned, int rank, Output output) {}

    public static void extract(Request r, Progress progress, String version) {
        if (r.rank() < 1) throw CocktailException.about("the rank", "the rank must be at least 1, got " + r.rank() + ".");
        try (Checkpoint base = r.base().openCheckpoint(); Checkpoint ft = r.finetuned().openCheckpoint();
             OutputDir out = OutputDir.create(r.output().dir(), r.output().force(), List.of(r.base().path(), r.finetuned().path()))) {
            Architecture.TensorNames names = r.base().architecture().tensors();
            List<Tensor> pairs = new ArrayList<>();
            for (Tensor b : base.tensors()) {
                if (!b.dtype().isFloat() || !b.name().endsWith(".weight")) continue;
                Tensor f = ft.tensor(b.name());
                if (f == null) throw new CocktailException(r.finetuned() + " has no tensor '" + b.name() + "', which " + r.base() + " has.");
                if (!Arrays.equals(f.shape(), b.shape())) {
                    throw new CocktailException(r.finetuned() + ": tensor '" + b.name() + "' is " + f.shapeString() + " but "
                            + b.shapeString() + " in " + r.base() + "; a LoRA needs the same shapes.");
                }
                pairs.add(b);
            }
            List<TensorSpec> plan = new ArrayList<>();
            for (Tensor b : pairs) plan.addAll(specs(b, names, r.rank()));
            List<String> targets = new ArrayList<>(), saved = new ArrayList<>();
            Map<String, Integer> ranks = new LinkedHashMap<>();
            progress.start("extracting", pairs.size(), "tensors");
            try (SafetensorsWriter w = out.open(() -> SafetensorsWriter.create(out.staging().resolve(WEIGHTS), plan, CheckpointWriter.METADATA));
                 Arena arena = Arena.ofConfined()) {
                for (Tensor b : pairs) {
                    String module = b.name().substring(0, b.name().length() - ".weight".length());
                    float[] x = LoraInput.values(b), d = LoraInput.values(ft.tensor(b.name()));
                    if (b.rank() != 2) {
                        out.write(() -> w.write(prefix(b.name()), f32(arena, d)));
                        saved.add(module);
                    } else {
                        int m = b.dim(0), n = b.dim(1);
                        for (int i = 0; i < d.length; i++) d[i] -= x[i];
                        boolean embedding = names.isEmbedding(b.name());
                        LowRank.Factors k = embedding ? LowRank.factor(LoraInput.transpose(d, m, n), n, m, r.rank(), SEED)
                                : LowRank.factor(d, m, n, r.rank(), SEED);
                        out.write(() -> {
                            w.write(prefix(module) + (embedding ? ".lora_embedding_A" : ".lora_A.weight"), f32(arena, k.a()));
                            w.write(prefix(module) + (embedding ? ".lora_embedding_B" : ".lora_B.weight"), f32(arena, k.b()));
                        });
                        targets.add(module);
                        ranks.put(module, k.rank());
                    }
                    progress.advance(1);
                }
                out.write(w::finish);
            } finally {
                progress.finish();
            }
            out.write(() -> writeConfig(out, r, targets, saved, ranks));
            out.commit();
        }
    }

    /** The adapter tensors a base weight gives: A and B of a 2-D weight (rank capped by its shape), else the weight. */
    private static List<TensorSpec> specs(Tensor b, Architecture.TensorNames names, int rank) {
        String module = b.name().substring(0, b.name().length() - ".weight".length());
        if (b.rank() != 2) return List.of(new TensorSpec(prefix(b.name()), DType.F32, b.shape()));
        long m = b.shape()[0], n = b.shape()[1], r = Math.min(rank, Math.min(m, n));
        if (names.isEmbedding(b.name())) {
            return List.of(new TensorSpec(prefix(module) + ".lora_embedding_A", DType.F32, new long[] {r, m}),
                    new TensorSpec(prefix(module) + ".lora_embedding_B", DType.F32, new long[] {n, r}));
        }
        return List.of(new TensorSpec(prefix(module) + ".lora_A.weight", DType.F32, new long[] {r, n}),
                new TensorSpec(prefix(module) + ".lora_B.weight", DType.F32, new long[] {m, r}));
    }

    private static String prefix(String name) {
        return "base_model.model." + name;
    }

    private static MemorySegment f32(Arena arena, float[] v) {
        MemorySegment s = arena.allocate((long) v.length * Float.BYTES, 8);
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v.length);
        return s;
    }

    /** PEFT's adapter_config.json: one rank and alpha, with rank_pattern where a weight's shape caps the rank. */
    private static void writeConfig(OutputDir out, Request r, List<String> targets, List<String> saved, Map<String, Integer> ranks) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", r.base().name());
        c.put("r", r.rank());
        c.put("lora_alpha", r.rank());
        ObjectNode rankPattern = c.putObject("rank_pattern"), alphaPattern = c.putObject("alpha_pattern");
        ranks.forEach((module, k) -> {
            if (k != r.rank()) {
                rankPattern.put(module, k);
                alphaPattern.put(module, k);
            }
        });
        ArrayNode t = c.putArray("target_modules");
        targets.forEach(t::add);
        ArrayNode s = c.putArray("modules_to_save");
        saved.forEach(s::add);
        c.put("fan_in_fan_out", false);
        c.put("bias", "none");
        c.put("lora_dropout", 0.0);
        c.put("use_rslora", false);
        c.put("inference_mode", true);
        try {
            Json.writeFile(out.staging().resolve(CONFIG), c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
