package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Same inputs and options give the same bits: `mix --data` on the demo (which scores every model on
 * the few-shot examples, turns the losses into weights and writes the merge) in fresh JVMs, on one
 * core and on two, and once with the JIT held at C1, where every Vector API operation runs its
 * plain-Java fallback instead of C2's instructions. The losses in the report and every byte of the
 * weights must agree; before the kernels summed lanes and took exp in one fixed way, they did not.
 */
class ReproducibleTest {

    @Test
    void mixWithDataGivesTheSameBitsInFreshJvmsOnEveryCodePathAndCoreCount(@TempDir Path tmp) throws Exception {
        List<List<String>> jvms = List.of(
                List.of("-XX:ActiveProcessorCount=1"),
                List.of("-XX:ActiveProcessorCount=2"),
                List.of("-XX:ActiveProcessorCount=2", "-XX:TieredStopAtLevel=1"));
        byte[] firstWeights = null;
        String firstReport = null;
        for (int run = 0; run < jvms.size(); run++) {
            Path out = tmp.resolve("out" + run), report = tmp.resolve("report" + run + ".json");
            mix(jvms.get(run), out, report, tmp.resolve("log" + run));
            byte[] weights = Files.readAllBytes(out.resolve("model.safetensors"));
            String losses = Files.readString(report).replaceAll("\"output\"\\s*:\\s*\"[^\"]*\"", "");
            if (firstWeights == null) {
                firstWeights = weights;
                firstReport = losses;
            } else {
                assertEquals(firstReport, losses, "the report of " + jvms.get(run) + " against " + jvms.get(0));
                assertArrayEquals(firstWeights, weights, "model.safetensors of " + jvms.get(run) + " against " + jvms.get(0));
            }
        }
    }

    private static void mix(List<String> jvmOptions, Path out, Path report, Path log) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Cocktail.class.getName(), "mix"));
        for (String m : CocktailDemoTest.MODELS) cmd.add(CliRun.examples("models/" + m).toString());
        cmd.addAll(List.of("--data", CliRun.examples("fewshot/sort.jsonl").toString(),
                "--output", out.toString(), "--report", report.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertEquals(0, p.waitFor(), () -> "mix " + jvmOptions + " failed: " + read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
