package dev.cocktail.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;

/**
 * A Hugging Face tokenizer.json in pure Java, giving the ids the Rust tokenizers library gives.
 *
 * <p>Encoding runs the Rust pipeline: added tokens are cut out of the raw text, the rest is normalized,
 * pre-tokenized into words, each word is tokenized by the model, the result is truncated if asked, and
 * the post-processor adds special tokens. Instances are immutable and safe to share between threads.
 */
public final class Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Model model;
    private final PostProcessor postProcessor;
    /** Null when the file has none: tokens are then joined with spaces, as in the Rust crate. */
    private final Decoder decoder;
    private final AddedTokens added;
    /** The file's own truncation (max_length), or -1; an explicit maxLength overrides it. */
    private final int truncation;
    private final boolean truncateLeft;
    private final OptionalInt bosId;
    private final OptionalInt eosId;
    private final OptionalInt padId;

    private Tokenizer(JsonNode root, Config config) {
        normalizer = Normalizer.fromJson(root.get("normalizer"));
        preTokenizer = PreTokenizer.fromJson(root.get("pre_tokenizer"));
        model = Model.fromJson(root.get("model"));
        added = new AddedTokens(AddedTokens.fromJson(root.get("added_tokens"), model), normalizer);
        decoder = Json.isNull(root.get("decoder")) ? null : Decoder.fromJson(root.get("decoder"));
        JsonNode trunc = root.get("truncation");
        truncation = Json.isNull(trunc) ? -1 : Json.integer(trunc, "max_length", -1);
        truncateLeft = !Json.isNull(trunc) && "Left".equals(Json.optionalText(trunc, "direction"));

        PostProcessor post = PostProcessor.fromJson(root.get("post_processor"));
        if (Json.isNull(root.get("post_processor")) && (config.addBos() || config.addEos())) {
            post = bosEosTemplate(config);
        }
        postProcessor = post;

        // Special ids: what the file's template puts before and after the text, else tokenizer_config.json.
        int bos = -1;
        int eos = -1;
        PostProcessor.Template template = template(post);
        if (template != null) {
            List<PostProcessor.Template.Piece> pieces = template.single();
            int text = IntStream.range(0, pieces.size()).filter(i -> pieces.get(i).sequence()).findFirst().orElse(-1);
            if (text > 0 && pieces.get(text - 1).ids().length == 1) bos = pieces.get(text - 1).ids()[0];
            if (text >= 0 && text + 1 < pieces.size() && pieces.get(text + 1).ids().length == 1) eos = pieces.get(text + 1).ids()[0];
        }
        if (bos < 0 && config.bos() != null) bos = tokenToId(config.bos());
        if (eos < 0 && config.eos() != null) eos = tokenToId(config.eos());
        JsonNode padding = root.get("padding");
        String padToken = Json.isNull(padding) ? null : Json.optionalText(padding, "pad_token");
        if (padToken == null) padToken = config.pad();
        int pad = padToken == null ? -1 : tokenToId(padToken);
        bosId = bos < 0 ? OptionalInt.empty() : OptionalInt.of(bos);
        eosId = eos < 0 ? OptionalInt.empty() : OptionalInt.of(eos);
        padId = pad < 0 ? OptionalInt.empty() : OptionalInt.of(pad);
    }

    /** The template that adds the special tokens, also when it is one step of a sequence. */
    private static PostProcessor.Template template(PostProcessor post) {
        return switch (post) {
            case PostProcessor.Template t -> t;
            case PostProcessor.Sequence s -> s.steps().stream().map(Tokenizer::template).filter(t -> t != null).findFirst().orElse(null);
            default -> null;
        };
    }

    /** The template transformers' Llama tokenizers build from add_bos_token / add_eos_token. */
    private PostProcessor bosEosTemplate(Config config) {
        List<PostProcessor.Template.Piece> pieces = new ArrayList<>();
        if (config.addBos()) pieces.add(special(config.bos(), "bos"));
        pieces.add(new PostProcessor.Template.Piece(true, new int[0], List.of(), 0));
        if (config.addEos()) pieces.add(special(config.eos(), "eos"));
        return new PostProcessor.Template(List.copyOf(pieces));
    }

    private PostProcessor.Template.Piece special(String token, String role) {
        int id = token == null ? -1 : tokenToId(token);
        if (id < 0) throw Json.invalid("add_" + role + "_token is true but the " + role + " token is not in the vocabulary");
        return new PostProcessor.Template.Piece(false, new int[] {id}, List.of(token), 0);
    }

    /**
     * Loads a tokenizer.json, given as the file or as the model directory holding it. A
     * tokenizer_config.json (and special_tokens_map.json) beside it supply the bos/eos/pad tokens, and
     * add_bos_token/add_eos_token when the tokenizer.json has no post-processor.
     */
    public static Tokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        JsonNode root = readJson(file);
        if (root == null) throw new TokenizerException(describe(file) + ": no such file");
        if (!root.isObject()) throw new TokenizerException(describe(file) + ": not a JSON object");
        Config config = Config.read(file.toAbsolutePath().getParent());
        try {
            return new Tokenizer(root, config);
        } catch (Json.Invalid e) {
            throw new TokenizerException(describe(file) + ": " + e.getMessage());
        }
    }

    private static String describe(Path file) {
        return file.getFileName() + " at " + file.toAbsolutePath();
    }

    /** The parsed file, or null when it does not exist. */
    private static JsonNode readJson(Path file) {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return JSON.readTree(in);
        } catch (JacksonException e) {
            throw new TokenizerException(describe(file) + ": invalid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // the JDK puts the path in the message and the reason in the type, or apart
            String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
            throw new TokenizerException(describe(file) + ": cannot be read (" + why + ")", e);
        }
    }

    /** What tokenizer_config.json (or special_tokens_map.json) says about special tokens. */
    private record Config(String bos, String eos, String pad, boolean addBos, boolean addEos) {
        static Config read(Path dir) {
            JsonNode config = dir == null ? null : readJson(dir.resolve("tokenizer_config.json"));
            JsonNode map = dir == null ? null : readJson(dir.resolve("special_tokens_map.json"));
            try {
                return new Config(token(config, map, "bos_token"), token(config, map, "eos_token"), token(config, map, "pad_token"),
                        config != null && Json.bool(config, "add_bos_token", false), config != null && Json.bool(config, "add_eos_token", false));
            } catch (Json.Invalid e) {
                throw new TokenizerException(describe(dir.resolve("tokenizer_config.json")) + ": " + e.getMessage());
            }
        }

        /** A token given as "text" or as {"content": "text", ...}; tokenizer_config.json first. */
        private static String token(JsonNode config, JsonNode map, String field) {
            for (JsonNode source : new JsonNode[] {config, map}) {
                JsonNode v = source == null ? null : source.get(field);
                if (Json.isNull(v)) continue;
                if (v.isTextual()) return v.asText();
                if (v.isObject()) return Json.text(v, "content");
                throw Json.invalid("\"" + field + "\" must be a string or an object with \"content\"");
            }
            return null;
        }
    }

    /** Encodes one text, truncated as the tokenizer.json says (usually not at all). */
    public Encoding encode(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens, truncation);
    }

    /**
     * Encodes one text, keeping at most maxLength tokens (special tokens included; -1 for no limit). As
     * in the Rust crate, the text's own tokens are cut to leave room for the special tokens.
     */
    public Encoding encode(String text, boolean addSpecialTokens, int maxLength) {
        IntList ids = new IntList(text.length() / 3 + 4);
        List<String> tokens = new ArrayList<>(text.length() / 3 + 4);
        added.split(text, normalizer, new AddedTokens.SegmentSink() {
            public void text(String piece, boolean atStart) {
                preTokenizer.split(piece, atStart, (word, first) -> {
                    int before = ids.size();
                    model.tokenize(word, ids);
                    for (int i = before; i < ids.size(); i++) tokens.add(model.idToToken(ids.get(i)));
                });
            }

            public void token(int id, String content) {
                ids.add(id);
                tokens.add(content);
            }
        });
        int[] all = ids.toArray();
        List<String> strings = tokens;
        if (maxLength >= 0) {
            int room = maxLength - (addSpecialTokens ? postProcessor.addedTokens() : 0);
            if (room < 0) throw new TokenizerException("cannot truncate to " + maxLength + " tokens: the special tokens alone take " + postProcessor.addedTokens());
            if (all.length > room) {
                int from = truncateLeft ? all.length - room : 0;
                all = java.util.Arrays.copyOfRange(all, from, from + room);
                strings = tokens.subList(from, from + room);
            }
        }
        return postProcessor.process(new Encoding(all, strings, new int[all.length]), addSpecialTokens);
    }

    /** Encodes the texts in parallel; the result is in the texts' order. */
    public List<Encoding> encodeBatch(List<String> texts, boolean addSpecialTokens) {
        return texts.parallelStream().map(t -> encode(t, addSpecialTokens)).toList();
    }

    /**
     * Turns ids back into text through the decoder. Ids that are no token are skipped, as are special
     * tokens when skipSpecialTokens.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String token = idToToken(id);
            if (token == null || (skipSpecialTokens && added.isSpecial(token))) continue;
            tokens.add(token);
        }
        return decoder == null ? String.join(" ", tokens) : decoder.decode(tokens);
    }

    /** The token's id (added tokens first, then the model's vocabulary), or -1. */
    public int tokenToId(String token) {
        int id = added.id(token);
        return id >= 0 ? id : model.tokenToId(token);
    }

    /** The id's token string, or null. */
    public String idToToken(int id) {
        String token = added.content(id);
        return token != null ? token : model.idToToken(id);
    }

    /** Distinct tokens: the model's vocabulary plus added tokens it lacks (Rust's get_vocab_size(true)). */
    public int vocabSize() {
        return model.vocabSize() + added.countOutside(model);
    }

    public OptionalInt bosId() {
        return bosId;
    }

    public OptionalInt eosId() {
        return eosId;
    }

    public OptionalInt padId() {
        return padId;
    }
}
