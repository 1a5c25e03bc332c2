package dev.cocktail.models;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real exported BERT (the ONNX files in the langchain4j embedding jars: PyTorch exports of sentence-transformers
 * models) turned into a Hugging Face folder (config.json, model.safetensors with BertModel names in F32,
 * tokenizer.json), and the same model run by ONNX Runtime. Shared by the tests and the benchmarks.
 */
public final class OnnxBert {
    private OnnxBert() {}

    /** The ONNX model's bytes (for ONNX Runtime) and the folder converted from them. */
    public record Export(byte[] onnx, Path dir) {}

    private record Weight(long[] shape, float[] values) {}

    /** Reads NAME.onnx and NAME-tokenizer.json from the classpath (the jars' resources) and fills dir. */
    public static Export export(String name, Path dir) throws IOException {
        byte[] onnx = resource(name + ".onnx");
        Files.write(dir.resolve("tokenizer.json"), resource(name + "-tokenizer.json"));
        convert(OnnxGraph.parse(onnx), dir);
        return new Export(onnx, dir);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = OnnxBert.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IOException(name + " is not on the classpath");
            return in.readAllBytes();
        }
    }

    static void convert(OnnxGraph graph, Path dir) throws IOException {
        Map<String, OnnxGraph.Node> producer = new HashMap<>();
        Map<String, List<OnnxGraph.Node>> consumers = new HashMap<>();
        for (OnnxGraph.Node n : graph.nodes()) {
            for (String o : n.outputs()) producer.put(o, n);
            for (String i : n.inputs()) consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
        }
        Map<String, Weight> weights = new TreeMap<>();
        // Named initializers already carry Hugging Face names; int64 ones (position_ids) are not weights.
        for (OnnxGraph.Tensor t : graph.initializers().values()) {
            if (t.dataType() == OnnxGraph.FLOAT && !t.name().startsWith("onnx::")) {
                weights.put(t.name(), new Weight(t.dims(), t.floats()));
            }
        }
        // The export folds each nn.Linear into MatMul(x, W^T) + Add(bias) and names W^T after the node
        // (onnx::MatMul_N): the bias added to the product says which Linear it is.
        int linears = 0;
        for (OnnxGraph.Node mm : graph.nodes()) {
            OnnxGraph.Tensor w = mm.op().equals("MatMul") ? graph.initializers().get(mm.inputs().get(1)) : null;
            if (w == null) continue;
            List<OnnxGraph.Node> next = consumers.getOrDefault(mm.outputs().getFirst(), List.of());
            if (next.size() != 1 || !next.getFirst().op().equals("Add")) {
                throw new IllegalStateException(w.name() + ": its product does not go into one Add of a bias");
            }
            String bias = next.getFirst().inputs().stream().filter(i -> i.endsWith(".bias")).findFirst()
                    .orElseThrow(() -> new IllegalStateException(w.name() + ": the Add after it has no bias"));
            weights.put(bias.substring(0, bias.length() - ".bias".length()) + ".weight", transposed(w));
            linears++;
        }
        long unnamed = graph.initializers().keySet().stream().filter(n -> n.startsWith("onnx::")).count();
        if (linears != unnamed) throw new IllegalStateException(unnamed + " unnamed initializers, " + linears + " mapped");
        Json.writeFile(dir.resolve("config.json"), config(graph, producer, consumers, weights));
        List<TensorSpec> plan = new ArrayList<>();
        weights.forEach((name, w) -> plan.add(new TensorSpec(name, DType.F32, w.shape())));
        try (CheckpointWriter out = CheckpointWriter.create(dir, plan, CheckpointWriter.DEFAULT_SHARD_SIZE)) {
            weights.forEach((name, w) -> out.write(name, MemorySegment.ofArray(w.values())));
            out.finish();
        }
    }

    /** ONNX MatMul's [in x out] as nn.Linear's [out x in]. */
    private static Weight transposed(OnnxGraph.Tensor t) {
        int in = Math.toIntExact(t.dims()[0]), out = Math.toIntExact(t.dims()[1]);
        float[] w = t.floats(), v = new float[w.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) v[o * in + i] = w[i * out + o];
        }
        return new Weight(new long[] {out, in}, v);
    }

    /**
     * Sizes come from the weights' shapes. The head count and the LayerNorm epsilon are in no weight: they
     * are constants of the graph (the Reshape of the query to [batch, seq, heads, headDim], and the constant
     * added to the variance before Sqrt).
     */
    private static ObjectNode config(OnnxGraph graph, Map<String, OnnxGraph.Node> producer,
                                     Map<String, List<OnnxGraph.Node>> consumers, Map<String, Weight> weights) {
        long[] words = weights.get("embeddings.word_embeddings.weight").shape();
        int layers = 0;
        while (weights.containsKey("encoder.layer." + layers + ".output.LayerNorm.weight")) layers++;
        OnnxGraph.Node queryAdd = consumers.get("encoder.layer.0.attention.self.query.bias").getFirst();
        OnnxGraph.Node reshape = consumers.get(queryAdd.outputs().getFirst()).stream()
                .filter(n -> n.op().equals("Reshape")).findFirst().orElseThrow();
        OnnxGraph.Node shape = producer.get(reshape.inputs().get(1));
        long heads = constant(producer, shape.inputs().get(2)).int64();
        long headDim = constant(producer, shape.inputs().get(3)).int64();
        if (heads * headDim != words[1]) throw new IllegalStateException(heads + " heads of " + headDim + " != " + words[1]);
        OnnxGraph.Node sqrt = graph.nodes().stream().filter(n -> n.op().equals("Sqrt")).findFirst().orElseThrow();
        OnnxGraph.Node variancePlusEps = producer.get(sqrt.inputs().getFirst());
        float eps = constant(producer, variancePlusEps.inputs().get(1)).floats()[0];
        // The exact GELU is exported as x * (1 + Erf(x / sqrt 2)) / 2; the tanh form would show Tanh nodes instead.
        long erfs = graph.nodes().stream().filter(n -> n.op().equals("Erf")).count();
        if (erfs != layers) throw new IllegalStateException(erfs + " Erf nodes for " + layers + " layers: not the erf GELU");
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("architectures").add("BertModel");
        c.put("model_type", "bert");
        c.put("hidden_size", words[1]);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("intermediate_size", weights.get("encoder.layer.0.intermediate.dense.bias").shape()[0]);
        c.put("vocab_size", words[0]);
        c.put("max_position_embeddings", weights.get("embeddings.position_embeddings.weight").shape()[0]);
        c.put("type_vocab_size", weights.get("embeddings.token_type_embeddings.weight").shape()[0]);
        c.put("layer_norm_eps", eps);
        c.put("hidden_act", "gelu");
        return c;
    }

    private static OnnxGraph.Tensor constant(Map<String, OnnxGraph.Node> producer, String value) {
        OnnxGraph.Node n = producer.get(value);
        if (n == null || !n.op().equals("Constant")) throw new IllegalStateException(value + " is not a Constant");
        return n.tensors().get("value");
    }

    /** ONNX Runtime's last_hidden_state for a right-padded batch, [batch * seqLen x hidden] like Bert.hidden. */
    public static float[] runtimeHidden(OrtEnvironment env, OrtSession session, TokenBatch batch) throws OrtException {
        long[] ids = new long[batch.rows()], mask = new long[batch.rows()];
        for (int b = 0; b < batch.batch(); b++) {
            for (int t = 0; t < batch.seqLen(); t++) {
                int r = b * batch.seqLen() + t;
                ids[r] = batch.ids()[r];
                mask[r] = t < batch.lengths()[b] ? 1 : 0;
            }
        }
        long[] shape = {batch.batch(), batch.seqLen()};
        try (OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[batch.rows()]), shape);
             OrtSession.Result r = session.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", types))) {
            FloatBuffer h = ((OnnxTensor) r.get("last_hidden_state").orElseThrow()).getFloatBuffer();
            float[] out = new float[h.remaining()];
            h.get(out);
            return out;
        }
    }
}
