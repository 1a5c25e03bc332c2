package dev.cocktail.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.Kernels;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * One matrix product alone, ours (Kernels.matmul on the shared pool) against ONNX Runtime's (MLAS SGEMM, 2
 * intra-op threads), on the shapes of bge-small's products: rows x n x k, F32. ONNX Runtime runs a model of a
 * single MatMul node, built here in memory, with its weights as an initializer (so it prepacks them, as it does in
 * BERT). The sides alternate, each after a pause; ONNX Runtime runs twice per round, with its default pool (which
 * spins between runs) and with spinning off. Prints GFLOP/s medians and the median per-round ratio. This is the
 * comparison that isolates BertEncodeBench's gap: the products are four fifths of a BERT batch.
 * <p>
 * Run: java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.cocktail.bench.MatMulVsOrtBench [rounds]
 */
public final class MatMulVsOrtBench {
    static final int ROWS = 1018;
    static final int[][] SHAPES = {{384, 384}, {1536, 384}, {384, 1536}};
    /** Idle time before each timed section: ONNX Runtime's pool threads spin about 50 ms after a run. */
    static final int PAUSE_MS = 200;
    /** Products per timed section: long enough to time, short enough for many rounds. */
    static final int CALLS = 10;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        System.out.printf("%d threads; median of %d rounds, GFLOP/s%n", Runtime.getRuntime().availableProcessors(), rounds);
        for (int[] shape : SHAPES) {
            int n = shape[0], k = shape[1];
            Random random = new Random(1);
            float[] w = new float[n * k], x = new float[ROWS * k], ours = new float[ROWS * n], theirs = new float[ROWS * n];
            for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian();
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            MemorySegment bytes = Arena.ofAuto().allocate((long) w.length * 4, 64);
            Convert.fromF32(w, 0, w.length, DType.F32, bytes, 0);
            Tensor weights = new Tensor("w", DType.F32, new long[] {n, k}, bytes);
            byte[] model = matMulModel(ROWS, n, k, w);
            try (OrtSession.SessionOptions spinning = new OrtSession.SessionOptions();
                 OrtSession.SessionOptions still = new OrtSession.SessionOptions()) {
                spinning.setIntraOpNumThreads(2);
                still.setIntraOpNumThreads(2);
                still.addConfigEntry("session.intra_op.allow_spinning", "0");
                try (OrtSession a = env.createSession(model, spinning); OrtSession b = env.createSession(model, still);
                     OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {ROWS, k})) {
                    double flops = 2.0 * ROWS * n * k * CALLS; // per nanosecond: GFLOP/s
                    double[] our = new double[rounds], spin = new double[rounds], calm = new double[rounds];
                    double[] toSpin = new double[rounds], toCalm = new double[rounds];
                    for (int r = -5; r < rounds; r++) {
                        double o = flops / timed(() -> Kernels.cpu().matmul(x, ROWS, weights, null, ours));
                        double s = flops / timed(() -> run(a, input, theirs));
                        double c = flops / timed(() -> run(b, input, theirs));
                        if (r < 0) continue;
                        our[r] = o;
                        spin[r] = s;
                        calm[r] = c;
                        toSpin[r] = o / s;
                        toCalm[r] = o / c;
                    }
                    double diff = 0;
                    for (int i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
                    System.out.printf("%dx%dx%d: ours %.1f, ONNX Runtime %.1f (spinning) / %.1f (not spinning);"
                            + " ours / theirs %.2f / %.2f; max |difference| %.1e%n", ROWS, n, k, BertEncodeBench.median(our), BertEncodeBench.median(spin),
                            BertEncodeBench.median(calm), BertEncodeBench.median(toSpin), BertEncodeBench.median(toCalm), diff);
                }
            }
        }
    }

    /** Nanoseconds of CALLS runs of the body, after the pause. */
    private static long timed(Runnable body) throws InterruptedException {
        Thread.sleep(PAUSE_MS);
        long t0 = System.nanoTime();
        for (int i = 0; i < CALLS; i++) body.run();
        return System.nanoTime() - t0;
    }

    private static void run(OrtSession session, OnnxTensor input, float[] out) {
        try (OrtSession.Result result = session.run(Map.of("x", input))) {
            ((OnnxTensor) result.get(0)).getFloatBuffer().get(out);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The ONNX protobuf of y = MatMul(x, w) with x [rows x k] an input and w [k x n] an initializer, w[i][j] =
     * weights[j * k + i] (ours is [n x k], nn.Linear's layout). Fields by number, from onnx.proto.
     */
    static byte[] matMulModel(int rows, int n, int k, float[] weights) {
        ByteBuffer raw = ByteBuffer.allocate(n * k * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < k; i++) for (int j = 0; j < n; j++) raw.putFloat(weights[j * k + i]);
        byte[] node = message(m -> {
            bytes(m, 1, "x");
            bytes(m, 1, "w");
            bytes(m, 2, "y");
            bytes(m, 4, "MatMul");
        });
        byte[] initializer = message(m -> {
            number(m, 1, k);
            number(m, 1, n);
            number(m, 2, 1); // FLOAT
            bytes(m, 8, "w");
            bytes(m, 9, raw.array());
        });
        byte[] graph = message(m -> {
            bytes(m, 1, node);
            bytes(m, 2, "matmul");
            bytes(m, 5, initializer);
            bytes(m, 11, floatInput("x", rows, k));
            bytes(m, 12, floatInput("y", rows, n));
        });
        return message(m -> {
            number(m, 1, 7); // IR version
            bytes(m, 7, graph);
            bytes(m, 8, message(o -> number(o, 2, 13))); // opset 13 of the default domain
        });
    }

    /** A ValueInfoProto: a float tensor of the given dimensions. */
    static byte[] floatInput(String name, long... dims) {
        return valueInfo(name, 1, dims);
    }

    /** A ValueInfoProto: a tensor of that TensorProto.DataType (1 FLOAT, 7 INT64) and dimensions. */
    static byte[] valueInfo(String name, int dataType, long... dims) {
        byte[] shape = message(m -> {
            for (long d : dims) bytes(m, 1, message(dim -> number(dim, 1, d)));
        });
        byte[] tensorType = message(m -> {
            number(m, 1, dataType);
            bytes(m, 2, shape);
        });
        return message(m -> {
            bytes(m, 1, name);
            bytes(m, 2, message(type -> bytes(type, 1, tensorType)));
        });
    }

    static byte[] message(Consumer<ByteArrayOutputStream> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fields.accept(out);
        return out.toByteArray();
    }

    static void number(ByteArrayOutputStream out, int field, long value) {
        varint(out, (long) field << 3);
        varint(out, value);
    }

    static void bytes(ByteArrayOutputStream out, int field, String value) {
        bytes(out, field, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static void bytes(ByteArrayOutputStream out, int field, byte[] value) {
        varint(out, ((long) field << 3) | 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
