package dev.cocktail.merge;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The inputs of a merge, resolved and with their checkpoints mapped, closed together. A model with
 * a LoRA adapter (MODEL+LORA) is its base's checkpoint, whose adapted tensors the driver computes
 * as it reads them (see lora).
 */
public final class OpenModels implements AutoCloseable {
    private final List<ModelDir> dirs;
    private final List<Checkpoint> checkpoints;
    private final List<LoraAdapter> adapters;
    private final Map<Tensor, LoraInput> adapted = new IdentityHashMap<>();

    private OpenModels(List<ModelDir> dirs, List<Checkpoint> checkpoints, List<LoraAdapter> adapters) {
        this.dirs = dirs;
        this.checkpoints = checkpoints;
        this.adapters = adapters;
        for (LoraAdapter a : adapters) adapted.putAll(a.inputs());
    }

    /** Maps each model's weights, and opens each adapter against its model's. */
    public static OpenModels open(List<ModelDir> dirs) {
        List<Checkpoint> cks = new ArrayList<>();
        List<LoraAdapter> adapters = new ArrayList<>();
        try {
            for (ModelDir d : dirs) {
                Checkpoint c = Checkpoint.open(d.path());
                cks.add(c);
                if (d.adapter() != null) adapters.add(LoraAdapter.open(d, c));
            }
            return new OpenModels(List.copyOf(dirs), cks, adapters);
        } catch (RuntimeException e) {
            adapters.forEach(LoraAdapter::close);
            cks.forEach(Checkpoint::close);
            throw e;
        }
    }

    /** What an adapter makes of an input tensor (one of these checkpoints'), or null when none changes it. */
    LoraInput lora(Tensor input) {
        return adapted.get(input);
    }

    public int size() {
        return dirs.size();
    }

    public ModelDir dir(int i) {
        return dirs.get(i);
    }

    public Checkpoint checkpoint(int i) {
        return checkpoints.get(i);
    }

    /**
     * The mapped weights, in the models' order, for what reads a model's own weights (scoring): a
     * model with a LoRA adapter has none, only its base's, and is refused.
     */
    public List<Checkpoint> checkpoints() {
        for (ModelDir d : dirs) {
            if (d.adapter() != null) {
                throw new CocktailException(d.name() + ": a model with a LoRA adapter (MODEL+LORA) is merged but not scored;"
                        + " merge it into a model first (cocktail merge with a passthrough recipe) and score that.");
            }
        }
        return checkpoints;
    }

    public List<Path> paths() {
        return dirs.stream().map(ModelDir::path).toList();
    }

    /** The inputs' folders, adapters' included: what a merge's output must not be. */
    List<Path> folders() {
        List<Path> out = new ArrayList<>();
        for (ModelDir d : dirs) {
            out.add(d.path());
            if (d.adapter() != null) out.add(d.adapter());
        }
        return out;
    }

    /**
     * Checks that every model has the tensors of model `ref`, with the same shapes, and floating
     * tensors where it has them; every problem found is reported in one message.
     */
    public void requireSameTensors(int ref) {
        Checkpoint r = checkpoints.get(ref);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < dirs.size(); i++) {
            if (i == ref) continue;
            Checkpoint c = checkpoints.get(i);
            String who = dirs.get(i).name();
            Set<String> missing = new LinkedHashSet<>(r.names());
            missing.removeAll(c.names());
            Set<String> extra = new LinkedHashSet<>(c.names());
            extra.removeAll(r.names());
            if (!missing.isEmpty()) problems.add(who + " lacks " + list(missing));
            if (!extra.isEmpty()) problems.add(who + " has extra " + list(extra));
            List<String> shapes = new ArrayList<>();
            for (Tensor t : r.tensors()) {
                Tensor o = c.tensor(t.name());
                if (o == null) continue;
                if (!java.util.Arrays.equals(t.shape(), o.shape())) {
                    shapes.add("'" + t.name() + "' is " + o.shapeString() + " (not " + t.shapeString() + ")");
                } else if (t.dtype().isFloat() != o.dtype().isFloat()) {
                    shapes.add("'" + t.name() + "' is " + o.dtype() + " (not " + t.dtype() + ")");
                }
            }
            if (!shapes.isEmpty()) {
                String vocab = vocabMismatch(ref, i);
                problems.add(who + (vocab.isEmpty() ? "" : " has " + vocab + " and") + " " + list(shapes).replace("tensor ", ""));
            }
        }
        if (!problems.isEmpty()) {
            throw new CocktailException("the models do not match " + dirs.get(ref).name() + ": "
                    + String.join("; ", problems) + ".");
        }
    }

    /** "vocab_size 380 (not 379)" when the configs disagree on the vocabulary, else "". */
    private String vocabMismatch(int ref, int i) {
        if (!dirs.get(ref).hasConfig() || !dirs.get(i).hasConfig()) return "";
        var a = dirs.get(ref).config().path("vocab_size");
        var b = dirs.get(i).config().path("vocab_size");
        if (a.isNumber() && b.isNumber() && a.asLong() != b.asLong()) {
            return "vocab_size " + b.asLong() + " (not " + a.asLong() + ")";
        }
        return "";
    }

    private static String list(java.util.Collection<String> items) {
        List<String> shown = items.stream().limit(5).toList();
        String s = items.size() == 1 ? "tensor " : "tensors ";
        s += String.join(", ", shown.stream().map(x -> x.startsWith("'") ? x : "'" + x + "'").toList());
        if (items.size() > shown.size()) s += " and " + (items.size() - shown.size()) + " more";
        return s;
    }

    /** The dtype of most of model i's floating weights (by bytes). */
    public DType mainDtype(int i) {
        java.util.Map<DType, Long> bytes = new java.util.EnumMap<>(DType.class);
        for (Tensor t : checkpoints.get(i).tensors()) if (t.dtype().isFloat()) bytes.merge(t.dtype(), t.byteSize(), Long::sum);
        return bytes.entrySet().stream().max(java.util.Map.Entry.comparingByValue()).map(java.util.Map.Entry::getKey)
                .orElse(DType.F32);
    }

    /** After a failure: throws naming the input file that changed while it was read, if one did. */
    void checkUnchanged(Throwable failure) {
        for (Checkpoint c : checkpoints) c.checkUnchanged(failure);
        for (LoraAdapter a : adapters) a.checkUnchanged(failure);
    }

    @Override
    public void close() {
        adapters.forEach(LoraAdapter::close);
        checkpoints.forEach(Checkpoint::close);
    }
}
