package dev.cocktail.models;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The few parts of an ONNX model (onnx/onnx.proto) that converting an exported BERT needs, read straight from the
 * protobuf wire format: ModelProto.graph, then GraphProto's nodes (op_type, inputs, outputs, tensor-valued
 * attributes such as a Constant's value) and initializers (TensorProto name, dims, data_type, raw_data).
 * Everything else is skipped. Tensor data are zero-copy little-endian views of the model's bytes.
 */
public record OnnxGraph(List<Node> nodes, Map<String, Tensor> initializers) {
    /** TensorProto.DataType values used here. */
    public static final int FLOAT = 1, INT64 = 7;

    public record Node(String op, List<String> inputs, List<String> outputs, Map<String, Tensor> tensors) {}

    public record Tensor(String name, long[] dims, int dataType, ByteBuffer data) {
        public float[] floats() {
            if (dataType != FLOAT) throw new IllegalStateException(name + " has ONNX data type " + dataType + ", not FLOAT");
            float[] v = new float[data.remaining() / 4];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return v;
        }

        public long int64() {
            if (dataType != INT64 || data.remaining() != 8) throw new IllegalStateException(name + " is not one INT64");
            return data.getLong(data.position());
        }
    }

    public static OnnxGraph parse(byte[] model) {
        Wire m = new Wire(ByteBuffer.wrap(model));
        while (m.more()) {
            int tag = m.tag();
            if (tag == (7 << 3 | 2)) return graph(m.bytes());
            m.skip(tag);
        }
        throw new IllegalStateException("the ONNX model has no graph");
    }

    private static OnnxGraph graph(ByteBuffer b) {
        Wire g = new Wire(b);
        List<Node> nodes = new ArrayList<>();
        Map<String, Tensor> initializers = new LinkedHashMap<>();
        while (g.more()) {
            int tag = g.tag();
            if (tag == (1 << 3 | 2)) {
                nodes.add(node(g.bytes()));
            } else if (tag == (5 << 3 | 2)) {
                Tensor t = tensor(g.bytes());
                initializers.put(t.name(), t);
            } else {
                g.skip(tag);
            }
        }
        return new OnnxGraph(nodes, initializers);
    }

    private static Node node(ByteBuffer b) {
        Wire n = new Wire(b);
        String op = null;
        List<String> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        Map<String, Tensor> tensors = new HashMap<>();
        while (n.more()) {
            int tag = n.tag();
            switch (tag) {
                case 1 << 3 | 2 -> inputs.add(n.string());
                case 2 << 3 | 2 -> outputs.add(n.string());
                case 4 << 3 | 2 -> op = n.string();
                case 5 << 3 | 2 -> attribute(n.bytes(), tensors);
                default -> n.skip(tag);
            }
        }
        return new Node(op, inputs, outputs, tensors);
    }

    /** AttributeProto: only tensor-valued ones (field t) are kept, under the attribute's name. */
    private static void attribute(ByteBuffer b, Map<String, Tensor> tensors) {
        Wire a = new Wire(b);
        String name = null;
        Tensor t = null;
        while (a.more()) {
            int tag = a.tag();
            switch (tag) {
                case 1 << 3 | 2 -> name = a.string();
                case 5 << 3 | 2 -> t = tensor(a.bytes());
                default -> a.skip(tag);
            }
        }
        if (t != null) tensors.put(name, t);
    }

    private static Tensor tensor(ByteBuffer b) {
        Wire t = new Wire(b);
        List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = "";
        ByteBuffer raw = null;
        while (t.more()) {
            int tag = t.tag();
            switch (tag) {
                case 1 << 3 -> dims.add(t.varint());
                case 1 << 3 | 2 -> { // packed dims
                    Wire p = new Wire(t.bytes());
                    while (p.more()) dims.add(p.varint());
                }
                case 2 << 3 -> type = (int) t.varint();
                case 8 << 3 | 2 -> name = t.string();
                case 9 << 3 | 2 -> raw = t.bytes();
                // Exporters store the weights in raw_data; the typed fields (float_data, int64_data...) are not read.
                case 4 << 3 | 2, 5 << 3 | 2, 7 << 3 | 2, 10 << 3 | 2, 11 << 3 | 2 ->
                        throw new IllegalStateException("tensor '" + name + "' keeps its values outside raw_data");
                default -> t.skip(tag);
            }
        }
        long[] d = dims.stream().mapToLong(Long::longValue).toArray();
        return new Tensor(name, d, type, raw == null ? ByteBuffer.allocate(0) : raw);
    }

    /** Protobuf wire format over one message's bytes. */
    private record Wire(ByteBuffer b) {
        boolean more() {
            return b.hasRemaining();
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                byte x = b.get();
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) return v;
            }
        }

        ByteBuffer bytes() {
            int n = Math.toIntExact(varint());
            ByteBuffer s = b.slice(b.position(), n).order(ByteOrder.LITTLE_ENDIAN);
            b.position(b.position() + n);
            return s;
        }

        String string() {
            return StandardCharsets.UTF_8.decode(bytes()).toString();
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> b.position(b.position() + 8);
                case 2 -> bytes();
                case 5 -> b.position(b.position() + 4);
                default -> throw new IllegalStateException("protobuf wire type " + (tag & 7) + " is not supported");
            }
        }
    }
}
