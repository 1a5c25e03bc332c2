package dev.cocktail.merge;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TensorSpec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Embedding and head matrices brought to the output vocabulary, one per input, as mergekit's
 * tokenizer/embed.py PermutedEmbeddings does before the recipe's method merges them. An input's row
 * for a token it has is its own (unless the token is forced); a row it lacks comes from the token's
 * setting in `tokens:`, else from the one input that has the token, else the base model's row, else
 * the mean of the rows of the inputs that have it, else zeros; padding rows are the mean of the rows
 * above them. The rows are gathered from the memory-mapped inputs into an F32 safetensors file in a
 * scratch folder beside the output, which the merge then streams as it streams any input: memory
 * holds a few rows at a time. mergekit averages in the inputs' dtype; here in F32.
 */
final class RemappedEmbeddings implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Bytes of rows gathered before they are written out. */
    private static final long BUFFER = 1 << 20;

    private final Vocabulary vocab;
    private final Path parent;
    private final List<Checkpoint> open = new ArrayList<>();
    private Path dir;
    /** Removes the scratch folder when the process is stopped by a signal before close(). */
    private final Thread cleanupOnSignal = new Thread(this::removeScratch);

    /** @param parent the folder the scratch folder goes into (the output's parent) */
    RemappedEmbeddings(Vocabulary vocab, Path parent) {
        this.vocab = vocab;
        this.parent = parent;
    }

    /**
     * The tensor `name` of each input, remapped; the inputs as they are when every one already has
     * the output vocabulary's rows in its order.
     *
     * @param models the inputs' indices among the recipe's models
     * @param base   the position of the base model among the inputs, or -1
     */
    List<Tensor> remap(String name, List<Tensor> inputs, List<Integer> models, int base, List<String> names, String where) {
        boolean same = true;
        for (int j = 0; j < inputs.size(); j++) same &= vocab.identityFor(models.get(j), inputs.get(j).shape()[0]);
        if (same) return inputs;
        List<Tensor> out = new ArrayList<>();
        for (int j = 0; j < inputs.size(); j++) out.add(write(name, j, inputs, models, base, names, where));
        return out;
    }

    private Tensor write(String name, int j, List<Tensor> inputs, List<Integer> models, int base, List<String> names, String where) {
        int hidden = inputs.get(j).dim(1), size = vocab.size();
        Path to = scratch().resolve(Integer.toString(open.size()));
        float[] row = new float[hidden];
        double[] sum = new double[hidden];
        int perBuffer = (int) Math.max(1, BUFFER / (4L * hidden));
        try (Arena arena = Arena.ofConfined();
             CheckpointWriter w = CheckpointWriter.create(createDirectories(to),
                     List.of(new TensorSpec(name, DType.F32, new long[] {vocab.rows(), hidden})), CheckpointWriter.DEFAULT_SHARD_SIZE)) {
            MemorySegment buf = arena.allocate(4L * hidden * perBuffer);
            int inBuf = 0;
            for (int r = 0; r < vocab.rows(); r++) {
                if (r < size) {
                    fill(r, row, j, inputs, models, base, names, where);
                    for (int k = 0; k < hidden; k++) sum[k] += row[k];
                } else {
                    for (int k = 0; k < hidden; k++) row[k] = (float) (sum[k] / size);
                }
                MemorySegment.copy(row, 0, buf, F32, 4L * hidden * inBuf, hidden);
                if (++inBuf == perBuffer || r == vocab.rows() - 1) {
                    w.write(name, buf.asSlice(0, 4L * hidden * inBuf));
                    inBuf = 0;
                }
            }
            w.finish();
        }
        Checkpoint ck = Checkpoint.open(to);
        open.add(ck);
        return ck.require(name);
    }

    /** Row r of input j in the output vocabulary. */
    private void fill(int r, float[] row, int j, List<Tensor> inputs, List<Integer> models, int base, List<String> names, String where) {
        String token = vocab.tokens()[r];
        TokenizerSpec.Token setting = token == null ? null : vocab.spec().tokens().get(token);
        int own = position(r, j, inputs, models);
        if (own >= 0 && (setting == null || !setting.force())) {
            inputs.get(j).toF32((long) own * row.length, row, 0, row.length);
            return;
        }
        java.util.Arrays.fill(row, 0f);
        if (token == null) return;
        if (setting != null) {
            switch (setting.source()) {
                case TokenizerSpec.Embedding.Zero z -> { }
                case TokenizerSpec.Embedding.FromModel m -> {
                    int k = participant(m.model(), token, models, names, inputs, where);
                    int p = position(r, k, inputs, models);
                    if (p < 0) {
                        throw new CocktailException(where + ": tokenizer.tokens: '" + token + "' takes its embedding from " + m.model()
                                + ", whose " + inputs.get(k).name() + " has no row for it.");
                    }
                    read(inputs.get(k), p, row);
                }
                case TokenizerSpec.Embedding.ModelToken m -> {
                    int k = participant(m.model(), token, models, names, inputs, where);
                    Integer id = m.token() != null ? vocab.inputVocab().get(models.get(k)).get(m.token()) : Integer.valueOf(m.tokenId());
                    if (id == null || id >= inputs.get(k).shape()[0]) {
                        throw new CocktailException(where + ": tokenizer.tokens: '" + token + "' takes row " + id + " of " + m.model()
                                + "'s " + inputs.get(k).name() + ", which has " + inputs.get(k).shape()[0] + " rows.");
                    }
                    read(inputs.get(k), id, row);
                }
            }
            return;
        }
        List<Integer> present = new ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) if (position(r, k, inputs, models) >= 0) present.add(k);
        if (present.isEmpty()) return;
        if (present.size() == 1 || present.contains(base)) {
            int k = present.size() == 1 ? present.getFirst() : base;
            read(inputs.get(k), position(r, k, inputs, models), row);
            return;
        }
        float[] other = new float[row.length];
        for (int k : present) {
            read(inputs.get(k), position(r, k, inputs, models), other);
            for (int i = 0; i < row.length; i++) row[i] += other[i];
        }
        for (int i = 0; i < row.length; i++) row[i] /= present.size();
    }

    /** Input k's row for output id r, or -1 when it lacks the token (or its matrix lacks the row). */
    private int position(int r, int k, List<Tensor> inputs, List<Integer> models) {
        int p = vocab.positions().get(models.get(k))[r];
        return p < inputs.get(k).shape()[0] ? p : -1;
    }

    private static void read(Tensor t, int row, float[] into) {
        t.toF32((long) row * into.length, into, 0, into.length);
    }

    /** The position among this tensor's inputs of a model the `tokens:` block names. */
    private static int participant(String model, String token, List<Integer> models, List<String> names, List<Tensor> inputs, String where) {
        int k = models.indexOf(Vocabulary.input(model, names, token, where));
        if (k < 0) {
            throw new CocktailException(where + ": tokenizer.tokens: '" + token + "' takes its embedding from " + model
                    + ", which is not among the inputs of " + inputs.getFirst().name() + ".");
        }
        return k;
    }

    /** The scratch folder beside the output (created on first use, removed by close). */
    Path scratch() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory(Files.createDirectories(parent), ".cocktail-vocab-");
                Runtime.getRuntime().addShutdownHook(cleanupOnSignal);
            } catch (IOException e) {
                throw new CocktailException("cannot create a scratch folder in " + parent + " for the remapped embeddings: "
                        + CocktailException.reason(e) + ".", e);
            }
        }
        return dir;
    }

    private static Path createDirectories(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new CocktailException("cannot create " + p + ": " + CocktailException.reason(e) + ".", e);
        }
    }

    /** Closes the remapped matrices and removes the scratch folder. */
    @Override
    public void close() {
        open.forEach(Checkpoint::close);
        if (dir == null) return;
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnSignal);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook removes the folder
        }
        removeScratch();
    }

    private void removeScratch() {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new CocktailException("cannot remove the scratch folder " + dir + ": " + CocktailException.reason(e) + ".", e);
        }
    }
}
