package dev.cocktail.merge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Architecture;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files written next to the merged weights: config.json (its dtype, and the layer count when
 * slices change it), generation_config.json and the tokenizer files, the sentence-transformers files
 * of encoders, the license text, the model card and the file that redoes the merge.
 *
 * @param configFrom the model whose config.json and generation_config.json are copied
 * @param tokenizerFrom the model whose tokenizer files are copied
 * @param dtype the output's dtype
 * @param layers the output's num_hidden_layers, or 0 to keep the config's
 * @param card the README.md
 * @param vocabSize the output's vocab_size, or 0 to keep the config's
 * @param chatTemplate the output's chat template, or null to keep the tokenizer's
 * @param config the output's config.json when it is not configFrom's (an MoE's), else null
 */
public record ModelFiles(ModelDir configFrom, ModelDir tokenizerFrom, DType dtype, int layers, ModelCard card, int vocabSize,
                         String chatTemplate, ObjectNode config) {

    public ModelFiles(ModelDir configFrom, ModelDir tokenizerFrom, DType dtype, int layers, ModelCard card) {
        this(configFrom, tokenizerFrom, dtype, layers, card, 0, null, null);
    }

    private static final Set<String> CONFIG_FILES = Set.of("config.json", "generation_config.json");
    /** The names a Hub repo's license text goes by. */
    private static final List<String> LICENSE_FILES = List.of("LICENSE", "LICENSE.txt", "LICENSE.md");
    private static final List<String> ST_FILES = List.of("modules.json", "sentence_bert_config.json",
            "config_sentence_transformers.json");

    /** Weights of a sentence-transformers module of its own (Dense, LayerNorm, ...), in its folder. */
    private static final List<String> WEIGHT_SUFFIXES = List.of(".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack");

    public ModelFiles {
        refuseModuleWeights(configFrom);
    }

    /**
     * A sentence-transformers module folder with weights (a Dense projection after the pooling)
     * would be copied from one model while the rest is merged: refused before anything is written.
     */
    private static void refuseModuleWeights(ModelDir model) {
        Path modules = model.path().resolve("modules.json");
        if (!model.hasConfig() || !Files.isRegularFile(modules) || !Architecture.of(model.config()).sentenceTransformers()) return;
        for (var module : Json.readFile(modules)) {
            String p = module.path("path").asText("");
            Path dir = model.path().resolve(p);
            if (p.isEmpty() || !Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.walk(dir)) {
                Path weights = files.filter(f -> WEIGHT_SUFFIXES.stream().anyMatch(f.getFileName().toString()::endsWith)).findFirst().orElse(null);
                if (weights != null) {
                    throw new CocktailException(model.name() + "/" + p + ": the sentence-transformers module " + module.path("type").asText("")
                            + " has weights of its own (" + dir.relativize(weights) + "), which Cocktail does not merge; a merge would copy one model's "
                            + "unchanged, so remove the module from modules.json or merge it separately.");
                }
            } catch (IOException e) {
                throw new CocktailException(dir + ": cannot be read (" + e.getMessage() + ").", e);
            }
        }
    }

    /** Writes the files into dir; weights are the inputs' weights files as the card lists them. */
    void write(Path dir, List<List<ModelCard.WeightsFile>> weights) {
        try {
            ObjectNode config = this.config != null ? this.config.deepCopy() : configFrom.hasConfig() ? configFrom.config() : null;
            if (config != null) {
                // transformers 4.56 renamed torch_dtype to dtype: a config that has the new key keeps only it
                config.put(config.has("dtype") ? "dtype" : "torch_dtype", dtype.torchName());
                if (layers > 0 && config.has("num_hidden_layers")) config.put("num_hidden_layers", layers);
                if (vocabSize > 0) config.put("vocab_size", vocabSize);
                Json.writeFile(dir.resolve("config.json"), config);
            }
            for (String f : ModelDir.SIDE_FILES) {
                if (f.equals("config.json")) continue;
                Path src = (CONFIG_FILES.contains(f) ? configFrom : tokenizerFrom).path().resolve(f);
                if (Files.isRegularFile(src)) Files.copy(src, dir.resolve(f));
            }
            Path license = licenseFile();
            if (license != null) Files.copy(license, dir.resolve(license.getFileName().toString()));
            if (chatTemplate != null) ChatTemplate.write(dir, chatTemplate);
            boolean st = config != null && Architecture.of(config).sentenceTransformers();
            if (st) sentenceTransformers(config, dir);
            Files.writeString(dir.resolve("README.md"), card.render(weights, st ? "sentence-transformers" : "transformers"));
            if (card.recipe() != null) Files.writeString(dir.resolve(card.recipe().fileName()), card.recipe().text());
        } catch (IOException e) {
            throw new CocktailException("cannot write the merged model's files into " + dir + ": " + CocktailException.reason(e) + ".", e);
        }
    }

    /** The license text of the model config.json comes from, else of the first input that has one; null when none has. */
    private Path licenseFile() {
        List<ModelDir> from = new java.util.ArrayList<>(List.of(configFrom));
        for (int i = 0; i < card.inputs().size(); i++) from.add(card.inputs().dir(i));
        for (ModelDir m : from) {
            for (String name : LICENSE_FILES) {
                Path f = m.path().resolve(name);
                if (Files.isRegularFile(f)) return f;
            }
        }
        return null;
    }

    /** The first model's own sentence-transformers files, else LM-Cocktail's: CLS pooling, then normalization. */
    private void sentenceTransformers(ObjectNode config, Path dir) throws IOException {
        Path own = configFrom.path().resolve("modules.json");
        if (Files.isRegularFile(own)) {
            for (String f : ST_FILES) {
                Path src = configFrom.path().resolve(f);
                if (Files.isRegularFile(src)) Files.copy(src, dir.resolve(f));
            }
            for (var module : Json.readFile(own)) {
                String p = module.path("path").asText("");
                if (!p.isEmpty() && Files.isDirectory(configFrom.path().resolve(p))) copyTree(configFrom.path().resolve(p), dir.resolve(p));
            }
            return;
        }
        ArrayNode modules = Json.MAPPER.createArrayNode();
        modules.addObject().put("idx", 0).put("name", "0").put("path", "").put("type", "sentence_transformers.models.Transformer");
        modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling").put("type", "sentence_transformers.models.Pooling");
        modules.addObject().put("idx", 2).put("name", "2").put("path", "2_Normalize").put("type", "sentence_transformers.models.Normalize");
        Json.writeFile(dir.resolve("modules.json"), modules);
        ObjectNode st = Json.MAPPER.createObjectNode();
        st.put("max_seq_length", config.path("max_position_embeddings").asInt(512)).put("do_lower_case", false);
        Json.writeFile(dir.resolve("sentence_bert_config.json"), st);
        ObjectNode pooling = Json.MAPPER.createObjectNode();
        pooling.put("word_embedding_dimension", config.path("hidden_size").asInt())
                .put("pooling_mode_cls_token", true)
                .put("pooling_mode_mean_tokens", false)
                .put("pooling_mode_max_tokens", false)
                .put("pooling_mode_mean_sqrt_len_tokens", false)
                .put("pooling_mode_weightedmean_tokens", false)
                .put("pooling_mode_lasttoken", false)
                .put("include_prompt", true);
        Files.createDirectories(dir.resolve("1_Pooling"));
        Json.writeFile(dir.resolve("1_Pooling").resolve("config.json"), pooling);
        Files.createDirectories(dir.resolve("2_Normalize"));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
