package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.OutputDir;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TensorSpec;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a real process: killed mid-merge, out of disk space. */
class ReliabilityTest {
    static final int KILLS = 20;
    /** Fewer: a merge of 300 shards takes seconds, each shard forced to disk. */
    static final int SHARD_KILLS = 5;

    @TempDir
    static Path models;

    /** Three models big enough (3 x 24 MB) that a merge takes a while to kill in the middle of. */
    @BeforeAll
    static void makeModels() throws IOException {
        Random random = new Random(3);
        for (String name : List.of("a", "b", "c")) {
            Path dir = models.resolve(name);
            List<TensorSpec> plan = new ArrayList<>();
            for (int i = 0; i < 6; i++) plan.add(new TensorSpec("layers." + i + ".weight", DType.F32, new long[] {1024, 1024}));
            try (OutputDir out = OutputDir.create(dir, false, List.of());
                 CheckpointWriter w = CheckpointWriter.create(out.staging(), plan, 20_000_000)) {
                float[] values = new float[1024 * 1024];
                for (TensorSpec t : plan) {
                    for (int k = 0; k < values.length; k++) values[k] = (float) random.nextGaussian();
                    w.write(t.name(), MemorySegment.ofArray(values));
                }
                w.finish();
                Files.writeString(out.staging().resolve("config.json"),
                        "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"torch_dtype\":\"float32\"}\n");
                out.commit();
            }
        }
    }

    static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Cocktail.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static String[] mix(Path out) {
        return new String[] {"mix", models.resolve("a").toString(), models.resolve("b").toString(), models.resolve("c").toString(),
                "--weights", "0.2,0.3,0.5", "--output", out.toString(), "--shard-size", "20MB"};
    }

    static List<String> siblings(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void killedAtAnyPointLeavesNothingOrTheWholeModel(@TempDir Path tmp) throws Exception {
        Path reference = tmp.resolve("reference");
        long start = System.nanoTime();
        Process ref = new ProcessBuilder(java(mix(reference))).redirectErrorStream(true).start();
        String refOut = new String(ref.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, ref.waitFor(), refOut);
        long refMillis = (System.nanoTime() - start) / 1_000_000;
        start = System.nanoTime();
        new ProcessBuilder(java(mix(tmp.resolve("timing")))).redirectErrorStream(true).start().waitFor();
        // the shorter of two runs: on a loaded machine one slow run would put every kill past the end
        long runMillis = Math.min(refMillis, (System.nanoTime() - start) / 1_000_000);

        Random random = new Random(11);
        int complete = 0, absent = 0;
        for (int i = 0; i < KILLS; i++) {
            Path out = tmp.resolve("killed");
            Process p = new ProcessBuilder(java(mix(out))).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // from JVM start-up to past the end, so that some kills land after the rename
            Thread.sleep(runMillis * 3 / 10 + random.nextLong(runMillis * 13 / 10 + 1));
            p.destroyForcibly(); // SIGKILL: no shutdown hook runs
            p.waitFor(30, TimeUnit.SECONDS);
            if (Files.exists(out)) {
                assertSameTensors(reference, out);
                complete++;
                deleteTree(out);
            } else {
                absent++;
            }
        }
        // the next run over the same output removes whatever partial directories the kills left
        Process last = new ProcessBuilder(java(mix(tmp.resolve("killed")))).redirectErrorStream(true).start();
        String lastOut = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, last.waitFor(), lastOut);
        assertSameTensors(reference, tmp.resolve("killed"));
        assertEquals(List.of("killed", "reference", "timing"), siblings(tmp), "no partial directory survives the next run");
        assertTrue(absent > 0, "some kills must land before the rename");
        System.out.printf("%d kills over a %d ms merge: %d left the complete model, %d left nothing%n", KILLS, runMillis, complete, absent);
    }

    static void assertSameTensors(Path want, Path got) {
        try (Checkpoint a = Checkpoint.open(want); Checkpoint b = Checkpoint.open(got)) {
            assertEquals(a.names(), b.names());
            for (Tensor t : a.tensors()) assertEquals(-1, t.data().mismatch(b.require(t.name()).data()), t.name());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** A 1 MB tmpfs in a private mount namespace (needs `unshare -rm`, which Linux allows unprivileged users). */
    @Test
    void diskFullIsOneSentenceAndLeavesNothing(@TempDir Path tmp) throws Exception {
        Path mount = Files.createDirectories(tmp.resolve("small"));
        Process probe = new ProcessBuilder("unshare", "-rm", "true").redirectErrorStream(true).start();
        assumeTrue(probe.waitFor() == 0, "unshare -rm is not available here");
        StringBuilder script = new StringBuilder("mount -t tmpfs -o size=1m tmpfs '" + mount + "' || exit 90; ");
        for (String a : java(mix(mount.resolve("merged")))) script.append('\'').append(a.replace("'", "'\\''")).append("' ");
        script.append("2> '").append(tmp.resolve("err")).append("'; status=$?; ls -A '").append(mount).append("'; exit $status");
        Process p = new ProcessBuilder("unshare", "-rm", "sh", "-c", script.toString()).redirectErrorStream(true).start();
        String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        assumeTrue(status != 90, "cannot mount a tmpfs here");
        String err = Files.readString(tmp.resolve("err")).lines().filter(l -> !l.startsWith("WARNING: Using incubator")).reduce("", (x, y) -> x + y + "\n");
        assertEquals(2, status, err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("No space left on device"), err);
        assertEquals("", listing.strip(), "nothing left on the full disk");
    }

    /**
     * bin/cocktail as installed: the launcher and its directives beside a cli/target/cocktail.jar
     * that runs the classes under test (its manifest's Class-Path names this test's classpath).
     */
    static Path launcher(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path repoBin = CliRun.testdata("").getParent().resolve("bin");
        Files.copy(repoBin.resolve("cocktail"), bin.resolve("cocktail"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(repoBin.resolve("jit-directives.json"), bin.resolve("jit-directives.json"));
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        java.util.jar.Attributes main = manifest.getMainAttributes();
        main.put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        main.put(java.util.jar.Attributes.Name.MAIN_CLASS, Cocktail.class.getName());
        main.put(java.util.jar.Attributes.Name.CLASS_PATH, String.join(" ", Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().toUri().toString()).toList()));
        Path jar = Files.createDirectories(dir.resolve("cli/target")).resolve("cocktail.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), manifest)) {
            // the manifest is the whole jar
        }
        return bin.resolve("cocktail");
    }

    /** Whether a process still runs with `marker` on its command line (the JVM a launcher left behind). */
    static boolean running(String marker) {
        return ProcessHandle.allProcesses().anyMatch(h -> h.isAlive() && h.info().commandLine().map(c -> c.contains(marker)).orElse(false));
    }

    /** SIGTERM and SIGINT to bin/cocktail killed only bash; the JVM went on and wrote the model (issue 20). */
    @Test
    void signalsToTheLauncherReachTheJvm(@TempDir Path tmp) throws Exception {
        Path cocktail = launcher(tmp.resolve("install"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        // a process started with SIGINT ignored (a background job of a script) passes that on to the JVM,
        // which then keeps it ignored: there only SIGTERM can be checked
        for (String signal : sigintIgnored() ? List.of("TERM") : List.of("TERM", "INT")) {
            Path out = work.resolve("by-" + signal);
            List<String> cmd = new ArrayList<>(List.of(cocktail.toString()));
            cmd.addAll(List.of(mix(out)));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Path staging = null;
            for (long until = System.nanoTime() + 60_000_000_000L; staging == null && p.isAlive() && System.nanoTime() < until; Thread.sleep(5)) {
                staging = siblings(work).stream().filter(n -> n.startsWith(".by-" + signal + ".cocktail-partial-")).findFirst().map(work::resolve).orElse(null);
            }
            assertTrue(staging != null && p.isAlive(), "the merge must be under way when the signal comes");
            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher ends");
            for (long until = System.nanoTime() + 10_000_000_000L; running(out.toString()) && System.nanoTime() < until; ) Thread.sleep(50);
            assertTrue(!running(out.toString()), "no JVM goes on after SIGAGAIN".replace("AGAIN", signal));
            assertEquals(List.of(), siblings(work), "SIG" + signal + " leaves no model and no partial directory");
        }
    }

    /** Whether this process ignores SIGINT (bit 1 of the SigIgn mask in /proc/self/status). */
    private static boolean sigintIgnored() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & 2) != 0;
        }
        return false;
    }

    /** A model of `count` tensors of `rows` x 1024 elements of `dtype`, random. */
    static Path model(Path dir, int count, int rows, DType dtype, long seed) throws IOException {
        Random random = new Random(seed);
        List<TensorSpec> plan = new ArrayList<>();
        for (int i = 0; i < count; i++) plan.add(new TensorSpec("layers." + i + ".weight", dtype, new long[] {rows, 1024}));
        try (OutputDir out = OutputDir.create(dir, false, List.of());
             CheckpointWriter w = CheckpointWriter.create(out.staging(), plan, Long.MAX_VALUE)) {
            byte[] values = new byte[rows * 1024 * dtype.byteSize()];
            for (TensorSpec t : plan) {
                random.nextBytes(values);
                if (dtype == DType.F32) { // finite floats: random bytes would hold NaNs
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(values).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    for (int k = 0; k < values.length; k += 4) b.putFloat(k, (float) random.nextGaussian());
                }
                w.write(t.name(), MemorySegment.ofArray(values));
            }
            w.finish();
            Files.writeString(out.staging().resolve("config.json"),
                    "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"torch_dtype\":\"float32\"}\n");
            out.commit();
        }
        return dir;
    }

    static String stderr(Process p) throws IOException {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(l -> !l.startsWith("WARNING: Using incubator")).reduce("", (x, y) -> x + y + "\n");
    }

    /**
     * An input truncated while its integer tensors are copied (issue 20, point 1): the fault killed
     * the writer thread and the merge hung forever. Now: one sentence naming the file, status 2,
     * nothing left. The truncation comes as soon as the staging directory appears, after the
     * inputs are mapped and before 100 MB of copies can be done.
     */
    @Test
    void anInputTruncatedDuringTheMergeFailsItNamingTheFile(@TempDir Path tmp) throws Exception {
        Path ints = model(tmp.resolve("ints"), 25, 1024, DType.I32, 5);
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path out = work.resolve("merged");
        Process p = new ProcessBuilder(java("mix", ints.toString(), ints.toString(), "--weights", "0.5,0.5", "--output", out.toString(),
                "--shard-size", "4MB")).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        while (p.isAlive() && siblings(work).stream().noneMatch(n -> n.startsWith(".merged.cocktail-partial-"))) Thread.sleep(1);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(ints.resolve("model.safetensors"),
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        String err = stderr(p);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the merge ends instead of hanging");
        assertEquals(2, p.exitValue(), err);
        assertEquals("cocktail: " + ints.resolve("model.safetensors") + ": changed or truncated while it was read.\n", err);
        assertEquals(List.of(), siblings(work), "no model, no staging directory, no lock");
    }

    /**
     * SIGTERM during a merge of 300 one-tensor shards (issue 20, point 6): the shutdown hook removed
     * the staging directory while the writer still created shards in it, and left it about half the time.
     */
    @Test
    void signalsDuringAManyShardMergeLeaveNothing(@TempDir Path tmp) throws Exception {
        Path a = model(tmp.resolve("a"), 300, 4, DType.F32, 1), b = model(tmp.resolve("b"), 300, 4, DType.F32, 2);
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path out = work.resolve("merged");
        List<String> cmd = java("mix", a.toString(), b.toString(), "--weights", "0.5,0.5", "--output", out.toString(), "--shard-size", "1");
        long start = System.nanoTime();
        Process ref = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String refOut = new String(ref.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, ref.waitFor(), refOut);
        long runMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(300, siblings(out).stream().filter(n -> n.endsWith(".safetensors")).count());
        deleteTree(out);
        Random random = new Random(7);
        int complete = 0, absent = 0;
        for (int i = 0; i < SHARD_KILLS; i++) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Thread.sleep(runMillis / 10 + random.nextLong(runMillis * 8 / 10 + 1)); // mostly while shards are written
            p.destroy(); // SIGTERM: the shutdown hook runs
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            if (Files.exists(out)) {
                complete++;
                deleteTree(out);
            } else {
                absent++;
            }
            assertEquals(List.of(), siblings(work), "kill " + i + " left something beside the output");
        }
        assertTrue(absent > 0, "some signals must land during the merge");
        System.out.printf("%d SIGTERMs over a %d ms merge of 300 shards: %d complete, %d nothing%n", SHARD_KILLS, runMillis, complete, absent);
    }

    /** Two merges into the same output (issue 20, point 8): both exited 0 and one silently replaced the other. */
    @Test
    void aSecondMergeIntoTheSameOutputIsRefused(@TempDir Path tmp) throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path out = work.resolve("merged");
        Process first = new ProcessBuilder(java(mix(out))).redirectErrorStream(true).start();
        while (first.isAlive() && !Files.exists(work.resolve(".merged.cocktail-lock"))) Thread.sleep(1);
        Process second = new ProcessBuilder(java("mix", models.resolve("c").toString(), models.resolve("b").toString(), "--weights", "0.5,0.5",
                "--output", out.toString())).start();
        String err = stderr(second);
        assertTrue(second.waitFor(60, TimeUnit.SECONDS));
        String firstOut = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, first.waitFor(), firstOut);
        assertEquals(2, second.exitValue(), err);
        assertTrue(err.contains("is being written by another cocktail process (pid " + first.pid() + ")") || err.contains("already exists"), err);
        Path reference = tmp.resolve("reference");
        assertEquals(0, new ProcessBuilder(java(mix(reference))).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor());
        assertSameTensors(reference, out);
        assertEquals(List.of("merged"), siblings(work));
    }
}
