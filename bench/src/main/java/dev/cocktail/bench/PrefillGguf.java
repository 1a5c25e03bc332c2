package dev.cocktail.bench;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the benchmark model as GGUF v3 for llama.cpp, from the same safetensors: matrices in their
 * dtype (F32 = ggml type 0, BF16 = type 30), norms in F32 as llama.cpp's converter stores them,
 * q/k rows permuted from Hugging Face's rotate_half layout to llama.cpp's interleaved one, and a
 * placeholder SentencePiece vocabulary (ids are fed directly, never tokenized).
 */
final class PrefillGguf {
    private PrefillGguf() {}

    static final int ALIGN = 32;
    static final int TYPE_F32 = 0, TYPE_BF16 = 30;
    // metadata value types
    static final int U32 = 4, I32 = 5, F32 = 6, STRING = 8, ARRAY = 9;

    /** One GGUF tensor: its name, dims fastest-first, ggml type, and where its bytes come from. */
    private record Entry(String name, long[] dims, int type, Tensor source, int permuteHeads) {
        long bytes() {
            long n = 1;
            for (long d : dims) n *= d;
            return n * (type == TYPE_BF16 ? 2 : 4);
        }
    }

    static void write(Path modelDir, Path gguf) throws IOException {
        try (Checkpoint c = Checkpoint.open(modelDir)) {
            List<Entry> entries = new ArrayList<>();
            entries.add(matrix(c, "model.embed_tokens.weight", "token_embd.weight", 0));
            for (int i = 0; i < PrefillModel.LAYERS; i++) {
                String p = "model.layers." + i + ".", g = "blk." + i + ".";
                entries.add(vector(c, p + "input_layernorm.weight", g + "attn_norm.weight"));
                entries.add(matrix(c, p + "self_attn.q_proj.weight", g + "attn_q.weight", PrefillModel.HEADS));
                entries.add(matrix(c, p + "self_attn.k_proj.weight", g + "attn_k.weight", PrefillModel.KV_HEADS));
                entries.add(matrix(c, p + "self_attn.v_proj.weight", g + "attn_v.weight", 0));
                entries.add(matrix(c, p + "self_attn.o_proj.weight", g + "attn_output.weight", 0));
                entries.add(vector(c, p + "post_attention_layernorm.weight", g + "ffn_norm.weight"));
                entries.add(matrix(c, p + "mlp.gate_proj.weight", g + "ffn_gate.weight", 0));
                entries.add(matrix(c, p + "mlp.up_proj.weight", g + "ffn_up.weight", 0));
                entries.add(matrix(c, p + "mlp.down_proj.weight", g + "ffn_down.weight", 0));
            }
            entries.add(vector(c, "model.norm.weight", "output_norm.weight"));
            entries.add(matrix(c, "lm_head.weight", "output.weight", 0));
            DType dtype = c.require("lm_head.weight").dtype();
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(gguf), 1 << 20))) {
                Le le = new Le(out);
                le.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
                le.u32(3);
                le.u64(entries.size());
                le.u64(20); // metadata entries written by metadata()
                metadata(le, dtype);
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

    private static void metadata(Le le, DType dtype) throws IOException {
        le.kvString("general.architecture", "llama");
        le.kvString("general.name", "random TinyLlama-shaped benchmark model");
        le.kvU32("general.file_type", dtype == DType.BF16 ? 32 : 0); // LLAMA_FTYPE_MOSTLY_BF16 / ALL_F32
        le.kvU32("llama.context_length", 2048);
        le.kvU32("llama.embedding_length", PrefillModel.HIDDEN);
        le.kvU32("llama.block_count", PrefillModel.LAYERS);
        le.kvU32("llama.feed_forward_length", PrefillModel.INTER);
        le.kvU32("llama.rope.dimension_count", PrefillModel.HEAD_DIM);
        le.kvU32("llama.attention.head_count", PrefillModel.HEADS);
        le.kvU32("llama.attention.head_count_kv", PrefillModel.KV_HEADS);
        le.kvF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        le.kvF32("llama.rope.freq_base", 10000f);
        le.kvU32("llama.vocab_size", PrefillModel.VOCAB);
        le.kvString("tokenizer.ggml.model", "llama");
        // <unk>, <s>, </s>, the 256 byte tokens SentencePiece vocabularies carry, then plain pieces
        int n = PrefillModel.VOCAB;
        le.string("tokenizer.ggml.tokens");
        le.u32(ARRAY);
        le.u32(STRING);
        le.u64(n);
        for (int i = 0; i < n; i++) le.string(tokenText(i));
        le.string("tokenizer.ggml.scores");
        le.u32(ARRAY);
        le.u32(F32);
        le.u64(n);
        for (int i = 0; i < n; i++) le.f32(-i);
        le.string("tokenizer.ggml.token_type");
        le.u32(ARRAY);
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

    private static Entry matrix(Checkpoint c, String name, String ggufName, int permuteHeads) {
        Tensor t = c.require(name);
        return new Entry(ggufName, new long[] {t.shape()[1], t.shape()[0]}, t.dtype() == DType.BF16 ? TYPE_BF16 : TYPE_F32, t, permuteHeads);
    }

    private static Entry vector(Checkpoint c, String name, String ggufName) {
        Tensor t = c.require(name);
        return new Entry(ggufName, new long[] {t.shape()[0]}, TYPE_F32, t, 0);
    }

    /**
     * The tensor's rows in GGUF order. For q/k, within each head of d rows, llama.cpp wants row
     * 2i + s to be Hugging Face's row s * d/2 + i (the converter's permute()).
     */
    private static void data(Le le, Entry e) throws IOException {
        Tensor t = e.source();
        if (e.type() == TYPE_F32 && t.dtype() != DType.F32) { // a norm widened to F32
            float[] v = new float[t.dim(0)];
            t.toF32(0, v, 0, v.length);
            for (float f : v) le.f32(f);
            return;
        }
        long rows = t.rank() == 1 ? 1 : t.shape()[0];
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

        void kvString(String key, String value) throws IOException {
            string(key);
            u32(STRING);
            string(value);
        }

        void kvU32(String key, long value) throws IOException {
            string(key);
            u32(U32);
            u32(value);
        }

        void kvF32(String key, float value) throws IOException {
            string(key);
            u32(F32);
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
