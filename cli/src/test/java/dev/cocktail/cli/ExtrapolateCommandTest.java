package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.cocktail.engine.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtrapolateCommandTest {
    static String model(String m) {
        return CliRun.testdata("cocktail-decoder/" + m).toString();
    }

    /** Two models, alpha 0.5, weights 0.25/0.75: out = sum_i w_i (x_i + 0.5 (x_i - base)), element by element. */
    @Test
    void extrapolatesEachModelThenMergesByWeight(@TempDir Path tmp) {
        Path out = tmp.resolve("expo");
        CliRun r = CliRun.of("extrapolate", "--base", model("base"), model("ft-a"), model("ft-b"), "--alpha", "0.5",
                "--weights", "0.25,0.75", "--output", out.toString());
        assertEquals(0, r.status(), r.err());
        try (Checkpoint got = Checkpoint.open(out); Checkpoint base = Checkpoint.open(Path.of(model("base")));
             Checkpoint a = Checkpoint.open(Path.of(model("ft-a"))); Checkpoint b = Checkpoint.open(Path.of(model("ft-b")))) {
            for (var t : got.tensors()) {
                int n = (int) t.elementCount();
                float[] g = new float[n], x0 = new float[n], xa = new float[n], xb = new float[n];
                t.toF32(0, g, 0, n);
                base.require(t.name()).toF32(0, x0, 0, n);
                a.require(t.name()).toF32(0, xa, 0, n);
                b.require(t.name()).toF32(0, xb, 0, n);
                for (int i = 0; i < n; i++) {
                    double want = 0.25 * (xa[i] + 0.5 * (xa[i] - x0[i])) + 0.75 * (xb[i] + 0.5 * (xb[i] - x0[i]));
                    assertEquals(want, g[i], 1e-5, t.name() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void errorsExitTwo(@TempDir Path tmp) {
        Path out = tmp.resolve("expo");
        String[][] bad = {
                {"extrapolate", model("ft-a"), "--output", out.toString()},
                {"extrapolate", "--base", model("base"), model("ft-a"), "--weights", "0.5,0.5", "--output", out.toString()},
                {"extrapolate", "--base", CliRun.testdata("cocktail-encoder/base").toString(), model("ft-a"), "--output", out.toString()},
        };
        for (String[] args : bad) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.status(), String.join(" ", args) + "\n" + r.err());
            assertFalse(Files.exists(out));
        }
    }
}
