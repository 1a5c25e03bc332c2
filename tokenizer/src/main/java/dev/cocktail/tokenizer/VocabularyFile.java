package dev.cocktail.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The vocabulary of a tokenizer.json, as transformers' get_vocab() sees it: the model's tokens (BPE,
 * WordPiece and WordLevel maps, Unigram's list) and the added tokens, each with its id. Read in one
 * streaming pass that skips the merges; written back by copying the file with more added tokens,
 * which is how a merge grows a tokenizer to the union of its inputs' vocabularies.
 *
 * @param ids        every token to its id, model tokens first, then added tokens (which win)
 * @param added      the "added_tokens" entries as they are in the file, by content
 * @param modelSize  how many tokens the model itself has (Rust's Model::get_vocab_size)
 */
public record VocabularyFile(Map<String, Integer> ids, Map<String, ObjectNode> added, int modelSize) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether the token is one of the file's added tokens. */
    public boolean isAdded(String token) {
        return added.containsKey(token);
    }

    /** An added token entry as transformers' add_tokens(str) makes one: not special, normalized. */
    public static ObjectNode plainAddedToken(int id, String content) {
        ObjectNode t = JSON.createObjectNode();
        t.put("id", id).put("content", content).put("single_word", false).put("lstrip", false).put("rstrip", false)
                .put("normalized", true).put("special", false);
        return t;
    }

    public static VocabularyFile read(Path file) {
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw Json.invalid("not a JSON object");
            Map<String, Integer> model = new LinkedHashMap<>();
            Map<String, ObjectNode> added = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("model") && value == JsonToken.START_OBJECT) {
                    modelVocab(p, model);
                } else if (name.equals("added_tokens") && value == JsonToken.START_ARRAY) {
                    for (JsonNode t : (JsonNode) p.readValueAsTree()) {
                        if (!t.isObject() || !t.path("content").isTextual() || !t.path("id").canConvertToInt()) {
                            throw Json.invalid("an added token lacks its content or id");
                        }
                        added.put(t.get("content").asText(), (ObjectNode) t);
                    }
                } else {
                    p.skipChildren();
                }
            }
            Map<String, Integer> ids = new LinkedHashMap<>(model);
            // an added token already in the model keeps the model's id, as the Rust crate gives it
            added.forEach((content, t) -> ids.putIfAbsent(content, t.get("id").asInt()));
            return new VocabularyFile(ids, added, model.size());
        } catch (Json.Invalid e) {
            throw new TokenizerException(file + ": " + e.getMessage() + ".");
        } catch (JacksonException e) {
            throw new TokenizerException(file + ": invalid JSON (" + e.getOriginalMessage() + ").", e);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new TokenizerException(file + ": no such file.");
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot be read (" + e.getMessage() + ").", e);
        }
    }

    /** The model's "vocab": {token: id} or Unigram's [[token, score], ...]; other fields skipped. */
    private static void modelVocab(JsonParser p, Map<String, Integer> out) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            if (key.equals("vocab") && value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String token = p.currentName();
                    if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) throw Json.invalid("vocab entry '" + token + "' has no valid id");
                    out.put(token, p.getIntValue());
                }
            } else if (key.equals("vocab") && value == JsonToken.START_ARRAY) {
                while (p.nextToken() == JsonToken.START_ARRAY) {
                    if (p.nextToken() != JsonToken.VALUE_STRING) throw Json.invalid("a Unigram vocab entry is not [token, score]");
                    out.putIfAbsent(p.getText(), out.size());
                    while (p.nextToken() != JsonToken.END_ARRAY) p.skipChildren();
                }
            } else {
                p.skipChildren();
            }
        }
    }

    /**
     * Copies the tokenizer.json `from` to `to` with `more` appended to its added tokens, in one
     * streaming pass (the merges of a large vocabulary never become a tree).
     */
    public static void writeWithAdded(Path from, Path to, List<ObjectNode> more) {
        JsonFactory f = JSON.getFactory();
        try (JsonParser p = JSON.createParser(from.toFile());
             JsonGenerator g = f.createGenerator(to.toFile(), com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
            g.setCodec(JSON);
            g.useDefaultPrettyPrinter();
            if (p.nextToken() != JsonToken.START_OBJECT) throw Json.invalid("not a JSON object");
            g.writeStartObject();
            boolean wrote = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                g.writeFieldName(name);
                if (!name.equals("added_tokens")) {
                    g.copyCurrentStructure(p);
                    continue;
                }
                List<JsonNode> tokens = new ArrayList<>();
                if (p.currentToken() == JsonToken.START_ARRAY) ((JsonNode) p.readValueAsTree()).forEach(tokens::add);
                tokens.addAll(more);
                g.writeTree(JSON.valueToTree(tokens));
                wrote = true;
            }
            if (!wrote) {
                g.writeFieldName("added_tokens");
                g.writeTree(JSON.valueToTree(more));
            }
            g.writeEndObject();
        } catch (Json.Invalid e) {
            throw new TokenizerException(from + ": " + e.getMessage() + ".");
        } catch (JacksonException e) {
            throw new TokenizerException(from + ": invalid JSON (" + e.getOriginalMessage() + ").", e);
        } catch (IOException e) {
            throw new TokenizerException("cannot write " + to + " from " + from + " (" + e.getMessage() + ").", e);
        }
    }
}
