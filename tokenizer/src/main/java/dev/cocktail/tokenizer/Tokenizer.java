package dev.cocktail.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
    private final Strategy truncationStrategy;
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
        String strategy = Json.isNull(trunc) ? null : Json.optionalText(trunc, "strategy");
        truncationStrategy = strategy == null ? Strategy.LONGEST_FIRST : switch (strategy) {
            case "LongestFirst" -> Strategy.LONGEST_FIRST;
            case "OnlyFirst" -> Strategy.ONLY_FIRST;
            case "OnlySecond" -> Strategy.ONLY_SECOND;
            default -> throw Json.invalid("unknown truncation strategy '" + strategy + "'");
        };
        if (model instanceof Unigram unigram) unigram.checkAddedTokens(root.get("added_tokens"));

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
            int text = IntStream.range(0, pieces.size()).filter(i -> pieces.get(i).isText()).findFirst().orElse(-1);
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

    /**
     * The template transformers' Llama tokenizers build from add_bos_token / add_eos_token: bos A eos,
     * and for pairs bos A eos bos B eos with the second half's type id 1.
     */
    private PostProcessor bosEosTemplate(Config config) {
        List<PostProcessor.Template.Piece> single = new ArrayList<>();
        List<PostProcessor.Template.Piece> pair = new ArrayList<>();
        for (int sequence = 0; sequence < 2; sequence++) {
            List<PostProcessor.Template.Piece> half = new ArrayList<>();
            if (config.addBos()) half.add(special(config.bos(), "bos", sequence));
            half.add(PostProcessor.Template.Piece.text(sequence, sequence));
            if (config.addEos()) half.add(special(config.eos(), "eos", sequence));
            if (sequence == 0) single.addAll(half);
            pair.addAll(half);
        }
        return new PostProcessor.Template(List.copyOf(single), List.copyOf(pair));
    }

    private PostProcessor.Template.Piece special(String token, String role, int typeId) {
        int id = token == null ? -1 : tokenToId(token);
        if (id < 0) throw Json.invalid("add_" + role + "_token is true but the " + role + " token is not in the vocabulary");
        return PostProcessor.Template.Piece.special(new int[] {id}, List.of(token), typeId);
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
        try {
            return JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new TokenizerException(describe(file) + ": invalid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new TokenizerException(describe(file) + ": cannot be read (" + e.getMessage() + ")", e);
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
        Encoding first = tokens(text, 0);
        if (maxLength >= 0) first = cut(first, room(maxLength, addSpecialTokens, false));
        return postProcessor.apply(first, null, addSpecialTokens);
    }

    /** Encodes a pair of texts (a query and a passage), truncated as the tokenizer.json says. */
    public Encoding encodePair(String first, String second, boolean addSpecialTokens) {
        return encodePair(first, second, addSpecialTokens, truncation, truncationStrategy);
    }

    /**
     * Encodes a pair of texts as the post-processor joins them (BERT's [CLS] A [SEP] B [SEP] with type ids
     * 1 on the second part, RoBERTa's &lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;), keeping at most maxLength
     * tokens (-1 for no limit) by the Rust crate's LongestFirst rule: the longer text loses tokens first.
     */
    public Encoding encodePair(String first, String second, boolean addSpecialTokens, int maxLength) {
        return encodePair(first, second, addSpecialTokens, maxLength, Strategy.LONGEST_FIRST);
    }

    private Encoding encodePair(String first, String second, boolean addSpecialTokens, int maxLength, Strategy strategy) {
        Encoding a = tokens(first, 0);
        Encoding b = tokens(second, 1);
        if (maxLength >= 0) {
            int room = room(maxLength, addSpecialTokens, true);
            int excess = a.length() + b.length() - room;
            if (excess > 0) {
                int n1 = a.length();
                int n2 = b.length();
                switch (strategy) {
                    case LONGEST_FIRST -> {
                        int shorter = Math.min(n1, n2);
                        int longer = shorter > room ? shorter : Math.max(shorter, room - shorter);
                        if (shorter + longer > room) {
                            shorter = room / 2;
                            longer = shorter + room % 2;
                        }
                        n1 = a.length() > b.length() ? longer : shorter;
                        n2 = a.length() > b.length() ? shorter : longer;
                    }
                    // as in the Rust crate, the one text cut must keep a token
                    case ONLY_FIRST -> n1 = keep(n1, excess, "first", maxLength);
                    case ONLY_SECOND -> n2 = keep(n2, excess, "second", maxLength);
                }
                a = cut(a, n1);
                b = cut(b, n2);
            }
        }
        return postProcessor.apply(a, b, addSpecialTokens);
    }

    private static int keep(int length, int excess, String which, int maxLength) {
        if (length <= excess) {
            throw new TokenizerException("cannot truncate the pair to " + maxLength + " tokens: the " + which
                    + " text has " + length + " and would lose " + excess);
        }
        return length - excess;
    }

    /** The file's truncation strategies; an explicit maxLength uses LongestFirst. */
    private enum Strategy { LONGEST_FIRST, ONLY_FIRST, ONLY_SECOND }

    /** How many of the texts' own tokens fit in maxLength once the special tokens are added. */
    private int room(int maxLength, boolean addSpecialTokens, boolean pair) {
        int special = addSpecialTokens ? postProcessor.addedTokens(pair) : 0;
        if (maxLength < special) throw new TokenizerException("cannot truncate to " + maxLength + " tokens: the special tokens alone take " + special);
        return maxLength - special;
    }

    /** The first (or, truncating from the left, the last) n tokens. */
    private Encoding cut(Encoding e, int n) {
        if (e.length() <= n) return e;
        int from = truncateLeft ? e.length() - n : 0;
        return new Encoding(Arrays.copyOfRange(e.ids(), from, from + n), e.tokens().subList(from, from + n),
                Arrays.copyOfRange(e.typeIds(), from, from + n));
    }

    /** One text's tokens, before truncation and special tokens, all with the type id. */
    private Encoding tokens(String text, int typeId) {
        IntList ids = new IntList(text.length() / 3 + 4);
        List<String> tokens = new ArrayList<>(text.length() / 3 + 4);
        added.split(text, normalizer, new AddedTokens.SegmentSink() {
            public void text(String piece, boolean atStart) {
                preTokenizer.split(piece, atStart, (word, first) -> model.tokenize(word, ids, tokens));
            }

            public void token(int id, String content) {
                ids.add(id);
                tokens.add(content);
            }
        });
        int[] types = new int[ids.size()];
        if (typeId != 0) Arrays.fill(types, typeId);
        return new Encoding(ids.toArray(), tokens, types);
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
