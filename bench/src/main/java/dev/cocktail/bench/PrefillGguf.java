package dev.cocktail.bench;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import dev.cocktail.models.LlamaConfig;
import dev.cocktail.models.LlamaConfig.Family;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a benchmark model as GGUF v3 for llama.cpp, from the same safetensors, as llama.cpp's
 * convert_hf_to_gguf.py would for its architecture (llama, qwen3, gemma2): matrices in their dtype
 * (F32 = ggml type 0, BF16 = type 30), norms in F32, a placeholder SentencePiece vocabulary (ids are
 * fed directly, never tokenized). Only llama's q/k rows are permuted from Hugging Face's rotate_half
 * layout to the interleaved one of llama.cpp's normal RoPE; qwen3 and gemma2 run NEOX RoPE, which is
 * rotate_half, and keep Hugging Face's rows. Gemma's norms are stored as 1 + w, the scale they apply.
 */
final class PrefillGguf {
    private PrefillGguf() {}

    static final int ALIGN = 32;
    static final int TYPE_F32 = 0, TYPE_BF16 = 30;
    // metadata value types
    static final int U32 = 4, I32 = 5, F32 = 6, STRING = 8, ARRAY = 9;

    /** One GGUF tensor: its name, dims fastest-first, ggml type, where its bytes come from, how they change. */
    private record Entry(String name, long[] dims, int type, Tensor source, int permuteHeads, float add) {
        long bytes() {
            long n = 1;
            for (long d : dims) n *= d;
            return n * (type == TYPE_BF16 ? 2 : 4);
        }
    }

    static void write(PrefillShape shape, Path modelDir, Path gguf) throws IOException {
        LlamaConfig config = shape.llamaConfig();
        try (Checkpoint c = Checkpoint.open(modelDir)) {
            List<Entry> entries = new ArrayList<>();
            boolean permute = shape.family() == Family.LLAMA;
            for (PrefillShape.Weight w : shape.weights()) {
                Tensor t = c.require(w.hf());
                if (w.norm()) {
                    entries.add(new Entry(w.gguf(), new long[] {t.shape()[0]}, TYPE_F32, t, 0, shape.family().gemma() ? 1 : 0));
                } else {
                    int heads = !permute ? 0 : w.hf().endsWith("q_proj.weight") ? shape.heads()
                            : w.hf().endsWith("k_proj.weight") ? shape.kvHeads() : 0;
                    entries.add(new Entry(w.gguf(), new long[] {t.shape()[1], t.shape()[0]},
                            t.dtype() == DType.BF16 ? TYPE_BF16 : TYPE_F32, t, heads, 0));
                }
            }
            DType dtype = c.require("model.embed_tokens.weight").dtype();
            ByteArrayOutputStream kv = new ByteArrayOutputStream();
            Le meta = new Le(kv);
            metadata(meta, shape, config, dtype);
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(gguf), 1 << 20))) {
                Le le = new Le(out);
                le.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
                le.u32(3);
                le.u64(entries.size());
                le.u64(meta.keys);
                le.bytes(kv.toByteArray());
                long offset = 0;
                for (Entry e : entries) {
                    le.string(e.name());
                    le.u32(e.dims().length);
                    for (long d : e.dims()) le.u64(d);
                    le.u32(e.type());
                    le.u64(offset);
                    offset = align(offset + e.bytes());
                }
                le.pad();
                for (Entry e : entries) {
                    data(le, e);
                    le.pad();
                }
            }
        }
    }

    /** The keys llama.cpp reads for the architecture, with the values our config.json parses to. */
    private static void metadata(Le le, PrefillShape shape, LlamaConfig c, DType dtype) throws IOException {
        String arch = shape.family().modelType;
        le.kvString("general.architecture", arch);
        le.kvString("general.name", "random " + shape.name() + "-shaped benchmark model");
        le.kvU32("general.file_type", dtype == DType.BF16 ? 32 : 0); // LLAMA_FTYPE_MOSTLY_BF16 / ALL_F32
        le.kvU32(arch + ".context_length", c.maxPositions());
        le.kvU32(arch + ".embedding_length", c.hiddenSize());
        le.kvU32(arch + ".block_count", c.layers());
        le.kvU32(arch + ".feed_forward_length", c.intermediateSize());
        le.kvU32(arch + ".rope.dimension_count", c.rope().dims());
        le.kvU32(arch + ".attention.head_count", c.heads());
        le.kvU32(arch + ".attention.head_count_kv", c.kvHeads());
        le.kvU32(arch + ".attention.key_length", c.headDim());
        le.kvU32(arch + ".attention.value_length", c.headDim());
        le.kvF32(arch + ".attention.layer_norm_rms_epsilon", c.rmsNormEps());
        le.kvF32(arch + ".rope.freq_base", (float) c.rope().theta());
        le.kvU32(arch + ".vocab_size", c.vocabSize());
        if (shape.family() == Family.GEMMA2) {
            le.kvU32(arch + ".attention.sliding_window", c.slidingWindow());
            le.kvF32(arch + ".attn_logit_softcapping", c.attentionSoftcap());
            le.kvF32(arch + ".final_logit_softcapping", c.finalSoftcap());
        }
        le.kvString("tokenizer.ggml.model", "llama");
        // <unk>, <s>, </s>, the 256 byte tokens SentencePiece vocabularies carry, then plain pieces
        int n = c.vocabSize();
        le.key("tokenizer.ggml.tokens", ARRAY);
        le.u32(STRING);
        le.u64(n);
        for (int i = 0; i < n; i++) le.string(tokenText(i));
        le.key("tokenizer.ggml.scores", ARRAY);
        le.u32(F32);
        le.u64(n);
        for (int i = 0; i < n; i++) le.f32(-i);
        le.key("tokenizer.ggml.token_type", ARRAY);
        le.u32(I32);
        le.u64(n);
        for (int i = 0; i < n; i++) le.u32(i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1); // unknown, control, byte, normal
        le.kvU32("tokenizer.ggml.bos_token_id", 1);
        le.kvU32("tokenizer.ggml.eos_token_id", 2);
        le.kvU32("tokenizer.ggml.unknown_token_id", 0);
    }

    private static String tokenText(int i) {
        if (i == 0) return "<unk>";
        if (i == 1) return "<s>";
        if (i == 2) return "</s>";
        if (i < 259) return String.format("<0x%02X>", i - 3);
        return "\u2581t" + i;
    }

    /**
     * The tensor's rows in GGUF order. For q/k, within each head of d rows, llama.cpp wants row
     * 2i + s to be Hugging Face's row s * d/2 + i (the converter's permute()).
     */
    private static void data(Le le, Entry e) throws IOException {
        Tensor t = e.source();
        if (t.rank() == 1) { // a norm, widened to F32 (Gemma's 1 + w added in F32, as transformers' forward does)
            float[] v = new float[t.dim(0)];
            t.toF32(0, v, 0, v.length);
            for (float f : v) le.f32(f + e.add());
            return;
        }
        long rows = t.shape()[0];
        long rowBytes = t.byteSize() / rows;
        byte[] row = new byte[(int) rowBytes];
        int perHead = e.permuteHeads() == 0 ? 1 : (int) (rows / e.permuteHeads());
        for (long r = 0; r < rows; r++) {
            long src = r;
            if (e.permuteHeads() > 0) {
                long head = r / perHead, within = r % perHead;
                src = head * perHead + (within % 2) * (perHead / 2) + within / 2;
            }
            java.lang.foreign.MemorySegment.copy(t.data(), java.lang.foreign.ValueLayout.JAVA_BYTE, src * rowBytes, row, 0, row.length);
            le.bytes(row);
        }
    }

    private static long align(long n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Little-endian GGUF primitives over a stream, counting bytes for the alignment padding. */
    private static final class Le {
        private final OutputStream out;
        private long written;
        private long keys;

        Le(OutputStream out) {
            this.out = out;
        }

        void bytes(byte[] b) throws IOException {
            out.write(b);
            written += b.length;
        }

        void u32(long v) throws IOException {
            for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)));
            written += 4;
        }

        void u64(long v) throws IOException {
            for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
            written += 8;
        }

        void f32(float f) throws IOException {
            u32(Float.floatToRawIntBits(f) & 0xFFFFFFFFL);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(b);
        }

        /** A metadata key and its value type; the value follows. */
        void key(String key, int type) throws IOException {
            string(key);
            u32(type);
            keys++;
        }

        void kvString(String key, String value) throws IOException {
            key(key, STRING);
            string(value);
        }

        void kvU32(String key, long value) throws IOException {
            key(key, U32);
            u32(value);
        }

        void kvF32(String key, float value) throws IOException {
            key(key, F32);
            f32(value);
        }

        void pad() throws IOException {
            while (written % ALIGN != 0) {
                out.write(0);
                written++;
            }
        }
    }
}
