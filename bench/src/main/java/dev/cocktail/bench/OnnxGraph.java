package dev.cocktail.bench;

import static dev.cocktail.bench.MatMulVsOrtBench.bytes;
import static dev.cocktail.bench.MatMulVsOrtBench.message;
import static dev.cocktail.bench.MatMulVsOrtBench.number;

import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * An ONNX model built node by node from primitives (the protobuf written by hand with MatMulVsOrtBench's
 * field writers), for the benchmarks that run a forward pass of ours against ONNX Runtime on the same random
 * weights: the seeded random stream those weights come from, and the writing of each weight to the
 * safetensors checkpoint our side loads, are here too.
 */
final class OnnxGraph {
    private final ByteArrayOutputStream nodes = new ByteArrayOutputStream(), initializers = new ByteArrayOutputStream();
    private final SplittableRandom random;
    private int next;

    OnnxGraph(long seed) {
        random = new SplittableRandom(seed);
    }

    /** A standard normal draw from the seeded stream (Box-Muller: SplittableRandom has no nextGaussian in every JDK). */
    double gaussian() {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    /** `count` draws of N(0, scale^2). */
    float[] gaussians(int count, double scale) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float) (gaussian() * scale);
        return v;
    }

    /** Writes `v` as the F32 tensor `name` of the checkpoint. */
    static void write(CheckpointWriter writer, String name, float[] v) {
        MemorySegment seg = Arena.ofAuto().allocate(4L * v.length);
        Convert.fromF32(v, 0, v.length, DType.F32, seg, 0);
        writer.write(name, seg);
    }

    /** An nn.Linear weight w [n x k] as the initializer `name` [k x n] that MatMul(x, name) multiplies by. */
    String transposed(String name, float[] w, int n, int k) {
        float[] t = new float[w.length];
        for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) t[j * n + i] = w[i * k + j];
        initializer(name, t, k, n);
        return name;
    }

    String node(String op, List<String> inputs) {
        return node(op, inputs, m -> {});
    }

    String node(String op, List<String> inputs, Consumer<ByteArrayOutputStream> attributes) {
        return node(op, inputs, op.toLowerCase() + "_" + next++, attributes);
    }

    String node(String op, List<String> inputs, String output) {
        return node(op, inputs, output, m -> {});
    }

    String node(String op, List<String> inputs, String output, Consumer<ByteArrayOutputStream> attributes) {
        bytes(nodes, 1, message(m -> {
            for (String in : inputs) bytes(m, 1, in);
            bytes(m, 2, output);
            bytes(m, 4, op);
            attributes.accept(m);
        }));
        return output;
    }

    /** An INTS attribute. */
    static void ints(ByteArrayOutputStream node, String name, long... values) {
        bytes(node, 5, message(a -> {
            bytes(a, 1, name);
            for (long v : values) number(a, 8, v);
            number(a, 20, 7);
        }));
    }

    /** An INT attribute. */
    static void integer(ByteArrayOutputStream node, String name, long value) {
        bytes(node, 5, message(a -> {
            bytes(a, 1, name);
            number(a, 3, value);
            number(a, 20, 2);
        }));
    }

    /** A FLOAT attribute (field 2, a little-endian fixed32). */
    static void real(ByteArrayOutputStream node, String name, float value) {
        bytes(node, 5, message(a -> {
            bytes(a, 1, name);
            a.write(2 << 3 | 5);
            a.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
            number(a, 20, 1);
        }));
    }

    /** A float scalar constant. */
    String scalar(float v) {
        String name = "const_" + next++;
        initializer(name, new float[] {v});
        return name;
    }

    /** An int64 constant of shape [values.length]: a Reshape's shape, a Gather's indices. */
    String longs(long... values) {
        String name = "longs_" + next++;
        ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long d : values) raw.putLong(d);
        bytes(initializers, 5, message(m -> {
            number(m, 1, values.length);
            number(m, 2, 7);
            bytes(m, 8, name);
            bytes(m, 9, raw.array());
        }));
        return name;
    }

    void initializer(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        bytes(initializers, 5, message(m -> {
            for (long d : dims) number(m, 1, d);
            number(m, 2, 1);
            bytes(m, 8, name);
            bytes(m, 9, raw.array());
        }));
    }

    /** The ModelProto (IR version 7) of the graph, its inputs and outputs ValueInfoProtos (MatMulVsOrtBench.valueInfo). */
    byte[] model(String name, int opset, List<byte[]> inputs, List<byte[]> outputs) {
        byte[] graph = message(m -> {
            m.writeBytes(nodes.toByteArray());
            bytes(m, 2, name);
            m.writeBytes(initializers.toByteArray());
            for (byte[] in : inputs) bytes(m, 11, in);
            for (byte[] out : outputs) bytes(m, 12, out);
        });
        return message(m -> {
            number(m, 1, 7);
            bytes(m, 7, graph);
            bytes(m, 8, message(o -> number(o, 2, opset)));
        });
    }
}
