package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The stage-by-stage pass over a checkpoint's own weights gives DecoderScoring's loss bit for bit,
 * for every decoder variant of the fixtures (Gemma 2/3's norms, softcaps and sliding layers, Qwen3's
 * q/k norms, Phi-3's fused matrices, Mistral's window), with batches of mixed lengths.
 */
class LayerwiseDecoderTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-gemma2", "tiny-gemma3", "tiny-qwen3", "tiny-phi3", "tiny-mistral-window"})
    void sameLossAsTheWholeModel(String name) {
        ModelDir dir = ModelDir.resolve(TestData.path("decoders/" + name).toString());
        LlamaConfig config = LlamaConfig.parse(dir.config(), name);
        List<List<DecoderScoring.Prepared>> files = List.of(examples(config.vocabSize(), 5, 1), examples(config.vocabSize(), 3, 2));
        double[] want = new double[files.size()];
        try (Llama model = Llama.load(dir)) {
            for (int f = 0; f < want.length; f++) want[f] = DecoderScoring.loss(model, files.get(f), 2, Progress.NONE);
        }
        try (Checkpoint c = dir.openCheckpoint()) {
            TensorSource weights = TensorSource.of(c);
            WeightStages stages = () -> new WeightStages.Stage() {
                @Override
                public Tensor tensor(String n) {
                    return weights.tensor(n);
                }

                @Override
                public String where() {
                    return weights.where();
                }

                @Override
                public void close() {}
            };
            double[] got = new LayerwiseDecoder(config, files, 2, Kernels.cpu(), name).losses(stages);
            assertArrayEquals(want, got, 0);
        }
    }

    /** n examples of random ids of different lengths, the second half of each labelled. */
    private static List<DecoderScoring.Prepared> examples(int vocab, int n, long seed) {
        Random r = new Random(seed);
        List<DecoderScoring.Prepared> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = r.ints(6 + r.nextInt(20), 1, vocab).toArray();
            int[] labels = ids.clone();
            Arrays.fill(labels, 0, ids.length / 2, DecoderScoring.IGNORED);
            out.add(new DecoderScoring.Prepared(ids, labels));
        }
        return out;
    }
}
