package dev.cocktail.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.tokenizer.TokenizerException;
import dev.cocktail.tokenizer.VocabularyFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The output vocabulary of a recipe with a tokenizer setting, and where each of its tokens sits in
 * every input, as mergekit's tokenizer/build.py works them out. `base` and `model:NAME` keep that
 * tokenizer; `union` adds to the base's tokenizer, as plain added tokens, every token of the other
 * inputs that it lacks, then their added tokens with their own settings (the first input's win);
 * the tokens of the `tokens:` block come last. A token an input's tokenizer has at an id at or past
 * its config's vocab_size counts as absent from that input (mergekit strips such tokens).
 *
 * mergekit walks each input's vocabulary in its hash map's order, so the ids it gives new tokens can
 * change from run to run; here they come in id order within each input, inputs in recipe order.
 *
 * @param tokens     the output's token of each id (null where no token has the id)
 * @param rows       how many rows the output's embeddings have (the padded vocabulary)
 * @param positions  per input: per output id, the input's row for that token, or -1 when it lacks it
 * @param inputVocab per input: its own token ids (those of the base when it has no tokenizer.json)
 * @param added      the added tokens the output's tokenizer.json gets beyond its source's
 * @param source     the model whose tokenizer the output's starts from
 */
record Vocabulary(String[] tokens, int rows, List<int[]> positions, List<Map<String, Integer>> inputVocab,
                  List<ObjectNode> added, ModelDir source, TokenizerSpec spec) {

    private static final Set<String> NOT_COPIED = Set.of("config.json", "generation_config.json", "tokenizer.json", "added_tokens.json");

    /** The tokens' count before padding: rows past it are padding. */
    int size() {
        return tokens.length;
    }

    /** Whether every input has every token at the same row and nothing is padded or forced. */
    boolean identityFor(int input, long inputRows) {
        if (inputRows != rows || spec.tokens().values().stream().anyMatch(TokenizerSpec.Token::force)) return false;
        int[] p = positions.get(input);
        for (int i = 0; i < p.length; i++) if (p[i] != i) return false;
        return p.length == rows;
    }

    /**
     * @param dirs    the inputs, in recipe order
     * @param base    the index of the base model (the recipe's, else the first input)
     * @param source  the model whose tokenizer a `model:NAME` source names (null for base and union)
     */
    static Vocabulary build(TokenizerSpec spec, List<String> names, List<ModelDir> dirs, int base, ModelDir source, String where) {
        List<VocabularyFile> files = new ArrayList<>();
        for (ModelDir d : dirs) files.add(d.hasTokenizer() ? read(d) : null);
        ModelDir from = source != null ? source : dirs.get(base);
        VocabularyFile out = source != null ? read(source) : files.get(base);
        if (out == null || spec.union() && files.get(base) == null) {
            throw new CocktailException(dirs.get(base).path() + ": has no tokenizer.json, which the recipe's tokenizer setting needs.");
        }
        // as mergekit: an input without a tokenizer has the base's vocabulary (here the output's when the base has none either)
        VocabularyFile fallback = files.get(base) != null ? files.get(base) : out;
        int[] sizes = new int[dirs.size()];
        for (int i = 0; i < dirs.size(); i++) {
            VocabularyFile f = files.get(i) == null ? fallback : files.get(i);
            sizes[i] = dirs.get(i).hasConfig() ? dirs.get(i).config().path("vocab_size").asInt(f.ids().size()) : f.ids().size();
        }
        Growing grow = new Growing(out);
        if (spec.union()) {
            Set<String> plain = new LinkedHashSet<>();
            Map<String, ObjectNode> addedTokens = new LinkedHashMap<>();
            List<Integer> order = new ArrayList<>(List.of(base));
            for (int i = 0; i < dirs.size(); i++) if (i != base && files.get(i) != null) order.add(i);
            for (int i : order) {
                VocabularyFile f = files.get(i);
                int size = sizes[i];
                f.ids().entrySet().stream().filter(e -> e.getValue() < size && !f.isAdded(e.getKey()))
                        .sorted(Map.Entry.comparingByValue()).forEach(e -> plain.add(e.getKey()));
                f.added().forEach((content, t) -> {
                    if (f.ids().get(content) < size) addedTokens.putIfAbsent(content, t);
                });
            }
            for (String token : plain) if (!addedTokens.containsKey(token) && !out.ids().containsKey(token)) grow.add(null, token);
            addedTokens.forEach((content, t) -> grow.add(t, content));
        }
        for (String token : spec.tokens().keySet()) grow.add(null, token);

        int count = grow.ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        String[] tokens = new String[Math.max(count, grow.ids.size())];
        grow.ids.forEach((t, id) -> tokens[id] = t);
        int rows = tokens.length;
        if (spec.padToMultipleOf() > 0 && rows % spec.padToMultipleOf() != 0) rows += spec.padToMultipleOf() - rows % spec.padToMultipleOf();
        if (spec.maxVocabSize() > 0 && rows > spec.maxVocabSize()) {
            throw new CocktailException(where + ": the output vocabulary would have " + rows + " tokens, more than tokenizer.max_vocab_size ("
                    + spec.maxVocabSize() + ").");
        }
        List<int[]> positions = new ArrayList<>();
        List<Map<String, Integer>> vocabs = new ArrayList<>();
        for (int i = 0; i < dirs.size(); i++) {
            Map<String, Integer> v = (files.get(i) == null ? fallback : files.get(i)).ids();
            int[] p = new int[tokens.length];
            for (int id = 0; id < tokens.length; id++) {
                Integer at = tokens[id] == null ? null : v.get(tokens[id]);
                p[id] = at == null || at >= sizes[i] ? -1 : at;
            }
            positions.add(p);
            vocabs.add(v);
        }
        Vocabulary vocab = new Vocabulary(tokens, rows, positions, vocabs, grow.added, from, spec);
        vocab.checkTokens(names, where);
        return vocab;
    }

    /**
     * The output's tokenizer files in dir: the source's tokenizer.json with the added tokens, and its
     * other tokenizer files as they are (the model's own vocabulary does not change; added_tokens.json,
     * which would miss the new tokens, is left out).
     */
    ModelDir writeTokenizer(Path dir) {
        try {
            Files.createDirectories(dir);
            VocabularyFile.writeWithAdded(source.path().resolve("tokenizer.json"), dir.resolve("tokenizer.json"), added);
            for (String f : ModelDir.SIDE_FILES) {
                Path from = source.path().resolve(f);
                if (NOT_COPIED.contains(f) || !Files.isRegularFile(from)) continue;
                Files.copy(from, dir.resolve(f));
            }
        } catch (TokenizerException e) {
            throw new CocktailException(e.getMessage(), e);
        } catch (IOException e) {
            throw new CocktailException("cannot write the merged tokenizer into " + dir + ": " + CocktailException.reason(e) + ".", e);
        }
        return new ModelDir(dir, source.name());
    }

    /** The `tokens:` block's sources, checked against the inputs before anything is written. */
    private void checkTokens(List<String> names, String where) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) if (tokens[i] != null) ids.put(tokens[i], i);
        spec.tokens().forEach((token, t) -> {
            switch (t.source()) {
                case TokenizerSpec.Embedding.FromModel m -> {
                    int input = input(m.model(), names, token, where);
                    if (positions.get(input)[ids.get(token)] < 0) {
                        throw new CocktailException(where + ": tokenizer.tokens: '" + token + "' takes its embedding from " + m.model()
                                + ", whose vocabulary does not have it.");
                    }
                }
                case TokenizerSpec.Embedding.ModelToken m -> {
                    int input = input(m.model(), names, token, where);
                    if (m.token() != null && !inputVocab.get(input).containsKey(m.token())) {
                        throw new CocktailException(where + ": tokenizer.tokens: '" + token + "' takes the embedding of token '" + m.token()
                                + "', which is not in " + m.model() + "'s vocabulary.");
                    }
                }
                case TokenizerSpec.Embedding.Zero z -> { }
            }
        });
    }

    /** The index of a model the `tokens:` block names; it must be one of the recipe's inputs. */
    static int input(String model, List<String> names, String token, String where) {
        int i = names.indexOf(model);
        if (i < 0) {
            throw new CocktailException(where + ": tokenizer.tokens: '" + token + "' takes its embedding from " + model
                    + ", which is not one of the recipe's models.");
        }
        return i;
    }

    private static VocabularyFile read(ModelDir d) {
        try {
            return VocabularyFile.read(d.path().resolve("tokenizer.json"));
        } catch (TokenizerException e) {
            throw new CocktailException(e.getMessage(), e);
        }
    }

    /** A tokenizer's vocabulary as transformers' add_tokens grows it, and the entries it adds. */
    private static final class Growing {
        final VocabularyFile file;
        final Map<String, Integer> ids;
        final Map<String, ObjectNode> addedByContent;
        final List<ObjectNode> added = new ArrayList<>();

        Growing(VocabularyFile file) {
            this.file = file;
            this.ids = new LinkedHashMap<>(file.ids());
            this.addedByContent = new LinkedHashMap<>(file.added());
        }

        /**
         * As Rust's AddedVocabulary::add_tokens: a token already added is left as it is (the first
         * settings win), one of the model's vocabulary is marked added at its own id, any other gets
         * the next id. `entry` null: a plain token, as add_tokens(str) makes.
         */
        void add(ObjectNode entry, String content) {
            if (content.isEmpty() || addedByContent.containsKey(content)) return;
            Integer id = ids.get(content);
            if (id == null) id = nextId();
            ObjectNode t = entry == null ? VocabularyFile.plainAddedToken(id, content) : entry.deepCopy().put("id", id);
            ids.put(content, id);
            addedByContent.put(content, t);
            added.add(t);
        }

        private int nextId() {
            int max = addedByContent.keySet().stream().mapToInt(ids::get).max().orElse(-1);
            return max >= file.modelSize() || file.modelSize() == 0 ? max + 1 : file.modelSize();
        }
    }
}
