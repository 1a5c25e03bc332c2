package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every testdata/t5 model against the float64 reference of one padded batch of three pairs
 * (README: 1e-4 on encoder outputs and logits, 1e-5 on the loss, for F32 arithmetic).
 */
class T5FixtureTest {

    private static final String[] MODELS = {"tiny-t5-relu", "tiny-flan-gated", "tiny-flan-gated-v5config"};

    @ParameterizedTest
    @ValueSource(strings = {"tiny-t5-relu", "tiny-flan-gated", "tiny-flan-gated-v5config"})
    void encoderLogitsAndLossMatchTheReference(String name) {
        JsonNode expected = Json.readFile(TestData.path("t5/expected.json")).get("models").get(name);
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("t5/expected.safetensors"));
             T5 model = T5.load(ModelDir.resolve(TestData.path("t5/" + name).toString()))) {
            long[] inShape = ref.require(name + ".input_ids").shape(), labelShape = ref.require(name + ".labels").shape();
            int batch = (int) inShape[0], s = (int) inShape[1], t = (int) labelShape[1], d = model.config().dModel();
            int vocab = model.config().vocabSize();
            int[] ids = TestData.ints(ref, name + ".input_ids"), mask = TestData.ints(ref, name + ".attention_mask");
            int[] labels = TestData.ints(ref, name + ".labels"), decoderIds = TestData.ints(ref, name + ".decoder_input_ids");
            List<int[]> inputs = new ArrayList<>(), targets = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                int len = Arrays.stream(mask, b * s, (b + 1) * s).sum(), labelLen = 0;
                while (labelLen < t && labels[b * t + labelLen] != DecoderScoring.IGNORED) labelLen++;
                inputs.add(Arrays.copyOfRange(ids, b * s, b * s + len));
                int[] target = Arrays.copyOfRange(labels, b * t, b * t + labelLen);
                int[] shifted = Seq2SeqScoring.decoderInput(target, model.config());
                assertArrayEquals(Arrays.copyOfRange(decoderIds, b * t, b * t + labelLen), shifted, "decoder input " + b);
                targets.add(shifted);
            }
            TokenBatch input = TokenBatch.of(inputs, 0), target = TokenBatch.of(targets, 0);
            assertEquals(s, input.seqLen());

            float[] encoded = model.encode(input);
            float[] wantEncoded = TestData.floats(ref, name + ".encoder_last_hidden_state");
            double worstEncoded = 0;
            for (int b = 0; b < batch; b++) {
                for (int r = 0; r < input.lengths()[b]; r++) {
                    for (int j = 0; j < d; j++) {
                        int i = (b * s + r) * d + j;
                        worstEncoded = Math.max(worstEncoded, Math.abs(encoded[i] - wantEncoded[i]));
                    }
                }
            }
            assertTrue(worstEncoded <= 1e-4, name + ": max |encoder diff| " + worstEncoded);

            float[] decoded = model.decode(target, model.memory(encoded, input), null);
            List<Integer> rows = new ArrayList<>();
            for (int b = 0; b < batch; b++) for (int r = 0; r < target.lengths()[b]; r++) rows.add(b * t + r);
            assertEquals(t, target.seqLen());
            float[] logits = model.logits(decoded, rows.stream().mapToInt(Integer::intValue).toArray());
            float[] wantLogits = TestData.floats(ref, name + ".logits");
            double worstLogit = 0, loss = 0;
            for (int i = 0; i < rows.size(); i++) {
                int row = rows.get(i);
                for (int v = 0; v < vocab; v++) {
                    worstLogit = Math.max(worstLogit, Math.abs(logits[i * vocab + v] - wantLogits[row * vocab + v]));
                }
                loss += Losses.crossEntropy(logits, i * vocab, vocab, labels[row]);
            }
            loss /= rows.size();
            assertTrue(worstLogit <= 1e-4, name + ": max |logit diff| " + worstLogit);
            assertEquals(expected.get("loss").asDouble(), loss, 1e-5, name + " loss");
            System.out.printf("%s: max |encoder diff| %.2e, max |logit diff| %.2e, loss diff %.2e%n", name, worstEncoded,
                    worstLogit, Math.abs(loss - expected.get("loss").asDouble()));
        }
    }

    /**
     * tiny-flan-gated-v5config is tiny-flan-gated with another config.json layout: the same logits,
     * bit for bit, however often and in whatever order they are computed (no timing-dependent
     * arithmetic, no JIT-dependent math).
     */
    @Test
    void sameWeightsGiveBitIdenticalLogits() {
        float[] first = teacherForcedLogits("tiny-flan-gated");
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(first, teacherForcedLogits("tiny-flan-gated-v5config"), "run " + i);
            assertArrayEquals(first, teacherForcedLogits("tiny-flan-gated"), "run " + i);
        }
    }

    private static float[] teacherForcedLogits(String name) {
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("t5/expected.safetensors"));
             T5 model = T5.load(ModelDir.resolve(TestData.path("t5/" + name).toString()))) {
            long[] shape = ref.require(name + ".input_ids").shape();
            int[] ids = TestData.ints(ref, name + ".input_ids"), decoderIds = TestData.ints(ref, name + ".decoder_input_ids");
            int batch = (int) shape[0], s = (int) shape[1], t = decoderIds.length / batch;
            List<int[]> inputs = new ArrayList<>(), targets = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                inputs.add(Arrays.copyOfRange(ids, b * s, (b + 1) * s));
                targets.add(Arrays.copyOfRange(decoderIds, b * t, (b + 1) * t));
            }
            TokenBatch input = TokenBatch.of(inputs, 0), target = TokenBatch.of(targets, 0);
            float[] decoded = model.decode(target, model.memory(model.encode(input), input), null);
            return model.logits(decoded, java.util.stream.IntStream.range(0, target.rows()).toArray());
        }
    }

    /** The bucket function against transformers' own tables for -160..160, both directions, every model's settings. */
    @Test
    void bucketsMatchTransformers() {
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("t5/expected.safetensors"))) {
            for (String name : MODELS) {
                T5Config c = T5Config.parse(ModelDir.resolve(TestData.path("t5/" + name).toString()).config(), name);
                int[] r = TestData.ints(ref, name + ".relative_positions");
                int[] bi = TestData.ints(ref, name + ".buckets_bidirectional"), uni = TestData.ints(ref, name + ".buckets_unidirectional");
                for (int i = 0; i < r.length; i++) {
                    assertEquals(bi[i], RelativePositionBias.bucket(r[i], true, c.numBuckets(), c.maxDistance()), name + " r=" + r[i]);
                    assertEquals(uni[i], RelativePositionBias.bucket(r[i], false, c.numBuckets(), c.maxDistance()), name + " r=" + r[i]);
                }
            }
        }
    }

    /** Terse configs get transformers' defaults; the transformers 5 layout of an untied model is not scaled. */
    @Test
    void configDefaults() {
        T5Config relu = T5Config.parse(ModelDir.resolve(TestData.path("t5/tiny-t5-relu").toString()).config(), "relu");
        assertEquals(T5Config.Activation.RELU, relu.activation());
        assertEquals(false, relu.gated());
        assertEquals(true, relu.scaleDecoderOutputs());
        assertEquals(relu.encoderLayers(), relu.decoderLayers());
        assertEquals(128, relu.maxDistance());
        T5Config v5 = T5Config.parse(ModelDir.resolve(TestData.path("t5/tiny-flan-gated-v5config").toString()).config(), "v5");
        assertEquals(T5Config.Activation.GELU_NEW, v5.activation());
        assertEquals(true, v5.gated());
        assertEquals(false, v5.scaleDecoderOutputs());
        assertEquals(false, T5Config.parse(ModelDir.resolve(TestData.path("t5/tiny-flan-gated").toString()).config(), "flan")
                .scaleDecoderOutputs());
    }
}
