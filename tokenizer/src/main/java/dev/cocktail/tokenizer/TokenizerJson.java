package dev.cocktail.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer.json read in one streaming pass. The model's "vocab" and "merges" (a quarter and half a
 * million entries in Gemma 3's file) go straight into a map and a list of pairs: as a JSON tree they
 * would cost several objects per entry and most of the load time. Everything else becomes a tree,
 * the model without those two fields.
 *
 * @param vocab  the model's token to id, or null when it has none
 * @param merges the BPE merges as [left, right] pairs in rank order ("#version" comment lines dropped),
 *               or null when the model has none
 */
record TokenizerJson(ObjectNode root, Map<String, Integer> vocab, List<String[]> merges) {

    /** The root object, or a Json.Invalid when the file holds another JSON value. */
    static TokenizerJson read(ObjectMapper mapper, JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) throw Json.invalid("not a JSON object");
        ObjectNode root = mapper.createObjectNode();
        Map<String, Integer> vocab = null;
        List<String[]> merges = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (p.nextToken() != JsonToken.START_OBJECT || !name.equals("model")) {
                root.set(name, p.readValueAsTree());
                continue;
            }
            ObjectNode model = root.putObject("model");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken value = p.nextToken();
                if (key.equals("vocab") && value == JsonToken.START_OBJECT) vocab = vocab(p);
                else if (key.equals("merges") && value == JsonToken.START_ARRAY) merges = merges(p);
                else model.set(key, p.readValueAsTree());
            }
        }
        return new TokenizerJson(root, vocab, merges);
    }

    /** The model's vocab, which every model has. */
    Map<String, Integer> requireVocab() {
        if (vocab == null) throw Json.invalid("the model's \"vocab\" must be an object of token: id");
        return vocab;
    }

    private static Map<String, Integer> vocab(JsonParser p) throws IOException {
        Map<String, Integer> out = new HashMap<>(1 << 16);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            JsonToken id = p.nextToken();
            if (id != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                throw Json.invalid("vocab entry '" + token + "' has no valid id");
            }
            out.put(token, p.getIntValue());
        }
        return out;
    }

    /** Merges as "a b" strings (the older form) or [a, b] pairs. */
    private static List<String[]> merges(JsonParser p) throws IOException {
        List<String[]> out = new ArrayList<>(1 << 16);
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            int rank = out.size() + 1;
            if (t == JsonToken.VALUE_STRING) {
                String merge = p.getText();
                // "#version" lines are comments carried over from merges.txt
                if (merge.startsWith("#version")) continue;
                int space = merge.indexOf(' ');
                if (space < 0 || merge.indexOf(' ', space + 1) >= 0) {
                    throw Json.invalid("merge " + rank + " '" + merge + "' is not two tokens separated by a space");
                }
                out.add(new String[] {merge.substring(0, space), merge.substring(space + 1)});
            } else if (t == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                String left = p.getText();
                if (p.nextToken() != JsonToken.VALUE_STRING) throw notAPair(rank);
                String right = p.getText();
                if (p.nextToken() != JsonToken.END_ARRAY) throw notAPair(rank);
                out.add(new String[] {left, right});
            } else {
                throw notAPair(rank);
            }
        }
        return out;
    }

    private static Json.Invalid notAPair(int rank) {
        return Json.invalid("merge " + rank + " is neither \"a b\" nor [\"a\", \"b\"]");
    }
}
