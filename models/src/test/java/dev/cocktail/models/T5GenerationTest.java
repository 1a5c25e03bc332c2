package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Greedy decoding of a T5 with the decoder's KV cache equals the argmax of the teacher-forced logits of what it generated. */
class T5GenerationTest {

    @Test
    void cachedDecodingAgreesWithTeacherForcing() {
        List<Seq2SeqScoring.Prepared> examples = Seq2SeqScoringTest.examples();
        for (String name : List.of("ft-a")) {
            try (T5 model = Seq2SeqScoringTest.load(name)) {
                int vocab = model.config().vocabSize(), eos = model.config().eosId(), maxNew = 12;
                for (Seq2SeqScoring.Prepared e : examples) {
                    int[] generated = Generation.greedy(model, e.input(), maxNew, eos);
                    // the generated ids, then eos where it stopped early: each must be the argmax after its prefix
                    int[] target = generated.length < maxNew ? Arrays.copyOf(generated, generated.length + 1) : generated;
                    if (generated.length < maxNew) target[generated.length] = eos;
                    float[] logits = Seq2SeqScoring.teacherForced(model, e.input(), target).logits();
                    for (int t = 0; t < target.length; t++) {
                        float[] row = Arrays.copyOfRange(logits, t * vocab, (t + 1) * vocab);
                        assertEquals(target[t], Generation.argmax(row), name + " step " + t + " of " + Arrays.toString(target));
                    }
                    assertTrue(target.length > 0);
                }
            }
        }
    }
}
