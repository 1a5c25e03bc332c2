package dev.cocktail.merge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.CocktailException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A recipe's output tokenizer, as mergekit's TokenizerConfig: `tokenizer_source: base | union | MODEL`
 * or the `tokenizer:` block (`source`, default union; `tokens`; `pad_to_multiple_of`). Cocktail adds
 * `max_vocab_size` to the block: the most rows the output's embeddings may have.
 *
 * @param source          "base", "union" or a model
 * @param tokens          per-token embedding settings, in the recipe's order; tokens missing from the
 *                        output vocabulary are added to it
 * @param padToMultipleOf round the output's rows up to a multiple of this (0: no padding)
 * @param maxVocabSize    refuse an output with more rows than this (0: no limit)
 */
public record TokenizerSpec(String source, Map<String, Token> tokens, int padToMultipleOf, int maxVocabSize) {

    /** Where a token's embedding comes from, and whether it replaces the inputs' own rows. */
    public record Token(Embedding source, boolean force) {}

    /** mergekit's TokenEmbeddingConfig.source. */
    public sealed interface Embedding {
        /** The token's own row in that model. */
        record FromModel(String model) implements Embedding {}

        /** A row of zeros. */
        record Zero() implements Embedding {}

        /** Another token's row (by text or by id) in that model. */
        record ModelToken(String model, String token, int tokenId) implements Embedding {}
    }

    private static final Set<String> BLOCK = Set.of("source", "tokens", "pad_to_multiple_of", "max_vocab_size");
    private static final Set<String> TOKEN = Set.of("source", "force");

    public boolean union() {
        return source.equals("union");
    }

    /** `tokenizer_source` (may be absent) and the `tokenizer` block (may be absent); null when neither is given. */
    static TokenizerSpec parse(JsonNode tokenizerSource, JsonNode block, String where) {
        if (tokenizerSource != null && block != null) {
            throw new CocktailException(where + ": give 'tokenizer_source' or a 'tokenizer' block, not both.");
        }
        if (tokenizerSource != null) return new TokenizerSpec(source(tokenizerSource, where, "tokenizer_source"), Map.of(), 0, 0);
        if (block == null) return null;
        if (!block.isObject()) throw new CocktailException(where + ": 'tokenizer' must be a mapping (source, tokens, pad_to_multiple_of).");
        MergekitConfig.keys(block, BLOCK, where, "the tokenizer block");
        String source = block.has("source") ? source(block.get("source"), where, "tokenizer.source") : "union";
        Map<String, Token> tokens = new LinkedHashMap<>();
        JsonNode t = block.get("tokens");
        if (t != null && !t.isNull()) {
            if (!t.isObject()) throw new CocktailException(where + ": 'tokenizer.tokens' must map each token to its settings.");
            t.fields().forEachRemaining(e -> tokens.put(e.getKey(), token(e.getKey(), e.getValue(), where)));
        }
        return new TokenizerSpec(source, tokens, positive(block.get("pad_to_multiple_of"), where, "pad_to_multiple_of"),
                positive(block.get("max_vocab_size"), where, "max_vocab_size"));
    }

    private static Token token(String token, JsonNode n, String where) {
        if (!n.isObject()) throw new CocktailException(where + ": the settings of token '" + token + "' must be a mapping (source, force).");
        MergekitConfig.keys(n, TOKEN, where, "the settings of token '" + token + "'");
        JsonNode force = n.get("force");
        if (force != null && !force.isBoolean()) throw new CocktailException(where + ": 'force' of token '" + token + "' must be true or false.");
        JsonNode s = n.get("source");
        // mergekit accepts a token without a source and then fails while merging; refused here at once
        if (s == null || s.isNull()) {
            throw new CocktailException(where + ": token '" + token + "' needs a source (a model, {kind: zero} or {kind: model_token, ...}).");
        }
        return new Token(embedding(token, s, where), force != null && force.asBoolean());
    }

    private static Embedding embedding(String token, JsonNode s, String where) {
        if (s.isTextual()) return new Embedding.FromModel(name(s, where, "source of token '" + token + "'"));
        String kind = s.isObject() ? s.path("kind").asText("") : "";
        switch (kind) {
            case "zero" -> {
                MergekitConfig.keys(s, Set.of("kind"), where, "the source of token '" + token + "'");
                return new Embedding.Zero();
            }
            case "model_token" -> {
                MergekitConfig.keys(s, Set.of("kind", "model", "token", "token_id"), where, "the source of token '" + token + "'");
                String model = name(s.get("model"), where, "model of token '" + token + "'");
                JsonNode text = s.get("token"), id = s.get("token_id");
                if ((text == null) == (id == null)) {
                    throw new CocktailException(where + ": the model_token source of token '" + token + "' needs exactly one of 'token' and 'token_id'.");
                }
                if (id != null && (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0)) {
                    throw new CocktailException(where + ": 'token_id' of token '" + token + "' must be a token id (0 or more), got " + id + ".");
                }
                if (text != null && !text.isTextual()) throw new CocktailException(where + ": 'token' of token '" + token + "' must be a string.");
                return new Embedding.ModelToken(model, text == null ? null : text.asText(), id == null ? -1 : id.asInt());
            }
            default -> throw new CocktailException(where + ": the source of token '" + token
                    + "' must be a model, {kind: zero} or {kind: model_token, model: ..., token: ...}, got " + s + ".");
        }
    }

    /** base, union, or a model, also written `model:NAME`. */
    private static String source(JsonNode n, String where, String key) {
        String s = name(n, where, key);
        return s.startsWith("model:") ? name(new com.fasterxml.jackson.databind.node.TextNode(s.substring(6)), where, key) : s;
    }

    private static String name(JsonNode n, String where, String key) {
        if (n == null || !n.isTextual() || n.asText().isBlank()) throw new CocktailException(where + ": '" + key + "' must be base, union or a model.");
        return n.asText();
    }

    private static int positive(JsonNode n, String where, String key) {
        if (n == null || n.isNull()) return 0;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
            throw new CocktailException(where + ": 'tokenizer." + key + "' must be a whole number of at least 1, got " + n + ".");
        }
        return n.asInt();
    }
}
